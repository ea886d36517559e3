// kigen staff role: give a staff member a role. The way to make the first app_admin of a fresh
// install (nobody can sign in as one yet); the same use case as the API's, with an audit row.
import { type Command, InvalidArgumentError } from 'commander';
import { createStaffStore } from '../../db/staff-store.ts';
import { STAFF_ROLES } from '../../domain/types.ts';
import { createStaffRoleService } from '../../services/staff-role-service.ts';
import { addGlobalFlags, configFrom, withApp } from '../context.ts';
import { staffArg } from '../parse.ts';

function roleArg(value: string): string {
  if ((STAFF_ROLES as readonly string[]).includes(value)) return value;
  throw new InvalidArgumentError(`expected one of ${STAFF_ROLES.join(', ')}, got "${value}"`);
}

export function registerStaffCommands(program: Command): void {
  const staff = program.command('staff').description('staff members');
  addGlobalFlags(
    staff
      .command('role')
      .description(
        `give a staff member a role (${STAFF_ROLES.join(', ')}), e.g. the first app_admin; writes an audit row`,
      )
      .argument('<staff>', 'the staff member: e-mail address (any case) or staff id', staffArg)
      .argument('<role>', `the new role: ${STAFF_ROLES.join(', ')}`, roleArg),
  ).action(async (who: string, role: string, opts) => {
    const config = configFrom(opts);
    await withApp(config, async (app) => {
      const change = await createStaffRoleService(createStaffStore(app.db)).setRole(
        { operator: true },
        who,
        role,
      );
      process.stdout.write(
        change.changed
          ? `${change.staff.fullName} <${change.staff.email}>: role ${change.before} → ${change.after} (audit row written; a session or API token in use picks it up within a second)\n`
          : `${change.staff.fullName} <${change.staff.email}> already has the role ${change.after}; nothing changed\n`,
      );
    });
  });
}
