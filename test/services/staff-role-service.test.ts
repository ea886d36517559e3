// Changing a staff member's role: the command line (the first app_admin) and an app_admin, with an
// audit row per change; on PGlite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.ts';
import type { Db } from '../../src/db/database.ts';
import { createStaffStore } from '../../src/db/staff-store.ts';
import { createStaffRoleService, type StaffRoleService } from '../../src/services/staff-role-service.ts';
import { openTestDatabase, testEngines } from '../helpers/databases.ts';
import { createFixtures, type StaffFixture } from '../helpers/fixtures.ts';

describe.each(testEngines())('staff roles on %s', (engine) => {
  let db: Db;
  let service: StaffRoleService;
  let office: string;
  let employee: StaffFixture;
  let manager: StaffFixture;
  let gone: StaffFixture;
  beforeAll(async () => {
    db = await openTestDatabase(engine);
    service = createStaffRoleService(createStaffStore(db));
    const f = createFixtures(db);
    office = await f.office({ name: '事業所' });
    employee = await f.staff({ offices: [office], role: 'employee' });
    manager = await f.staff({ offices: [office], role: 'manager' });
    gone = await f.staff({ offices: [office], role: 'employee', deleted: true });
  }, 240_000);
  afterAll(async () => {
    await db?.close();
  });

  const audit = (staffId: string) =>
    db.k
      .selectFrom('audit_logs')
      .select(['actor_id', 'action', 'details'])
      .where('target_id', '=', staffId)
      .orderBy('id')
      .execute();
  const roleOf = async (staffId: string) =>
    (await db.k.selectFrom('staffs').select('role').where('id', '=', staffId).executeTakeFirstOrThrow()).role;
  const asPrincipal = (s: StaffFixture, role: Principal['role']): Principal => ({
    staffId: s.id,
    role,
    email: s.email,
    fullName: s.fullName,
    officeIds: [office],
    via: 'api_token',
  });

  it('makes the first app_admin from the command line, by address in any case, with an audit row', async () => {
    const change = await service.setRole({ operator: true }, employee.email.toUpperCase(), 'app_admin');
    expect(change).toMatchObject({ before: 'employee', after: 'app_admin', changed: true });
    expect(change.staff.id).toBe(employee.id);
    expect(await roleOf(employee.id)).toBe('app_admin');
    const rows = await audit(employee.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_id: null, action: 'staff.role_changed' });
    const details = rows[0]?.details;
    expect(typeof details === 'string' ? JSON.parse(details) : details).toEqual({
      before: { role: 'employee' },
      after: { role: 'app_admin' },
      via: 'cli',
    });
  });

  it('writes nothing when the role is already that one', async () => {
    const change = await service.setRole({ operator: true }, employee.id, 'app_admin');
    expect(change.changed).toBe(false);
    expect(await audit(employee.id)).toHaveLength(1);
  });

  it('lets an app_admin change a role (actor recorded) and refuses everyone else', async () => {
    const admin = asPrincipal(employee, 'app_admin');
    await expect(service.setRole(asPrincipal(manager, 'manager'), manager.id, 'owner')).rejects.toMatchObject(
      {
        kind: 'forbidden',
      },
    );
    expect(await roleOf(manager.id)).toBe('manager');
    await service.setRole(admin, manager.id, 'owner');
    expect(await roleOf(manager.id)).toBe('owner');
    expect(await audit(manager.id)).toEqual([
      expect.objectContaining({ actor_id: employee.id, action: 'staff.role_changed' }),
    ]);
  });

  it('refuses an unknown role, an unknown or deleted staff member, and changes nothing', async () => {
    await expect(service.setRole({ operator: true }, manager.id, 'superuser')).rejects.toMatchObject({
      kind: 'invalid',
      problems: ['role: must be one of employee, manager, owner, app_admin, got "superuser"'],
    });
    await expect(service.setRole({ operator: true }, 'nobody@example.jp', 'owner')).rejects.toMatchObject({
      code: 'STAFF_NOT_FOUND',
    });
    await expect(service.setRole({ operator: true }, gone.email, 'app_admin')).rejects.toMatchObject({
      code: 'STAFF_NOT_FOUND',
    });
    expect(await roleOf(gone.id)).toBe('employee');
    expect(await audit(gone.id)).toEqual([]);
  });
});
