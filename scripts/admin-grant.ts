/**
 * npm run admin:grant -- <email or user id> [--reason "why"]
 *
 * Makes a user an admin: the way to the first admin, and the way back in when no admin is left.
 * The user must have signed in once (a request with their token writes the users row). Works on
 * the database the server would use (DATABASE_URL, or the embedded one), through the same
 * RoleService.grant as the `grantRole` mutation, and is recorded in audit_log as the operator.
 *
 * Exit 0 when the user is an admin (newly, or already); 1 when no such user (or several with that
 * email); 2 when it cannot run (bad arguments, no database, pending migrations).
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { OPERATOR } from '../src/common/actor';
import { DomainError } from '../src/common/errors';
import { RoleService } from '../src/modules/user/role.service';
import { GrantedRole } from '../src/modules/user/user-role.entity';
import { CannotRun, operatorConfig, runCommand, withServerDatabase } from './operator';

const USAGE = 'usage: npm run admin:grant -- <email or user id> [--reason "why"]';

function argsOf(argv: string[]): { user: string; reason: string | null } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { reason: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 1 || !positionals[0]!.trim()) throw new Error('name exactly one user');
    return { user: positionals[0]!, reason: values.reason?.trim() || null };
  } catch (err) {
    throw new CannotRun(`${(err as Error).message}; ${USAGE}`);
  }
}

async function main(): Promise<number> {
  const args = argsOf(process.argv.slice(2));
  return withServerDatabase(operatorConfig(), async (orm) => {
    const roles = new RoleService({ em: () => orm.em.fork() });
    try {
      const grant = await roles.grant(OPERATOR, args.user, GrantedRole.ADMIN, args.reason ?? 'npm run admin:grant');
      process.stdout.write(`${grant.user.email} (${grant.user.id}) is an admin\n`);
      return 0;
    } catch (err) {
      if (err instanceof DomainError && (err.code === 'NOT_FOUND' || err.code === 'CONFLICT')) {
        const hint = err.code === 'NOT_FOUND' ? ': they must sign in once first (any request with their token)' : '';
        process.stderr.write(`${err.message}${hint}\n`);
        return 1;
      }
      if (err instanceof DomainError) throw new CannotRun(`${err.message}; ${USAGE}`);
      throw err;
    }
  });
}

runCommand('admin:grant', main);
