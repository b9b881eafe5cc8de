import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../../config';

/** One rendered email, ready for a transport. */
export interface OutgoingEmail {
  outboxId: string;
  /** Derived from the outbox id: a second copy of one email, if it ever happens, is recognisable. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  template: string;
  data: Record<string, unknown>;
  headers: Record<string, string>;
  calendar: { method: 'REQUEST' | 'CANCEL'; content: string } | null;
}

/** Where emails finally go. `send` resolves once the message is accepted (by the SMTP server, the disk, the log). */
export interface EmailTransport {
  readonly name: string;
  send(message: OutgoingEmail): Promise<void>;
  close?(): Promise<void> | void;
}

function mailOptions(m: OutgoingEmail): SendMailOptions {
  return {
    from: m.from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    headers: m.headers,
    // nodemailer puts it both as a text/calendar alternative (what calendars act on) and as an attachment.
    ...(m.calendar ? { icalEvent: { method: m.calendar.method, filename: 'invitation.ics', content: m.calendar.content } } : {}),
  };
}

/** SMTP through nodemailer, with a small connection pool and timeouts short enough for a job to retry. */
export class SmtpTransport implements EmailTransport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;

  constructor(url: string) {
    this.transporter = createTransport({
      url,
      pool: true,
      maxConnections: 2,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(message: OutgoingEmail): Promise<void> {
    await this.transporter.sendMail(mailOptions(message));
  }

  close(): void {
    this.transporter.close();
  }
}

/**
 * Development without SMTP: each email becomes an .eml file (open it in a mail program, or read it
 * as text), and its path is logged; the address never is.
 */
export class FileTransport implements EmailTransport {
  readonly name = 'file';
  private readonly composer = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  async send(message: OutgoingEmail): Promise<void> {
    const info = await this.composer.sendMail(mailOptions(message));
    await mkdir(this.dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(this.dir, `${stamp}-${message.template}-${message.outboxId}.eml`);
    // Written aside and renamed, so a reader never sees half a message under the final name.
    await writeFile(`${file}.partial`, info.message as Buffer);
    await rename(`${file}.partial`, file);
    this.log.info({ path: file, template: message.template, outboxId: message.outboxId }, 'email written');
  }
}

/** Only logs (and keeps, for tests) what would be sent: EMAIL_TRANSPORT=log, or tests that need no SMTP. */
export class LogTransport implements EmailTransport {
  readonly name = 'log';
  readonly sent: OutgoingEmail[] = [];
  constructor(private readonly log: Logger) {}
  async send(message: OutgoingEmail): Promise<void> {
    this.sent.push(message);
    this.log.info({ template: message.template, outboxId: message.outboxId }, 'email logged, not sent');
  }
}

export function createEmailTransport(config: Config, log: Logger): EmailTransport {
  const { email } = config;
  if (email.transport === 'smtp') return new SmtpTransport(email.smtpUrl!);
  if (email.transport === 'log') return new LogTransport(log);
  return new FileTransport(email.dir, log);
}
