import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The SMTP envelope: who the server was asked to deliver to. */
  rcptTo: string[];
  raw: string;
  parsed: ParsedMail;
}

/** A real SMTP server in the test process: what the app sends arrives here, parsed with mailparser. */
export interface SmtpCapture {
  url: string;
  messages: ReceivedMail[];
  /** Answer RCPT TO for matching addresses with this SMTP error (e.g. 450 or 550) until cleared. */
  rejectRecipients(match: (address: string) => boolean, code: number, message?: string): void;
  acceptAll(): void;
  to(address: string): ReceivedMail[];
  close(): Promise<void>;
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: ReceivedMail[] = [];
  let rule: { match: (a: string) => boolean; code: number; message: string } | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (rule?.match(address.address)) {
        const err = Object.assign(new Error(rule.message), { responseCode: rule.code });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            messages.push({ rcptTo: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    rejectRecipients(match, code, message = code >= 500 ? 'Mailbox unavailable' : 'Try again later') {
      rule = { match, code, message };
    },
    acceptAll() {
      rule = null;
    },
    to(address) {
      return messages.filter((m) => m.rcptTo.includes(address));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
