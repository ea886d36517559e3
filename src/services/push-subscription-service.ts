// Browser push subscriptions of the signed-in staff member: the endpoint policy, a per-staff cap.
import { checkPushSubscription } from '../channels/push/endpoint-policy.ts';
import type { PushSubscriptionInfo, StaffStore } from '../db/staff-store.ts';
import { invalid, notFound, ServiceError } from './service-errors.ts';

/** Devices per staff member. A person has a few browsers; dozens would mean a script gone wrong. */
export const MAX_PUSH_SUBSCRIPTIONS_PER_STAFF = 10;

export interface PushSubscriptionBody {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  userAgent?: string | null | undefined;
}

export interface PushSubscriptionService {
  subscribe(
    staffId: string,
    body: PushSubscriptionBody,
  ): Promise<{ subscription: PushSubscriptionInfo; created: boolean }>;
  list(staffId: string): Promise<PushSubscriptionInfo[]>;
  unsubscribe(staffId: string, by: { id: string } | { endpoint: string }): Promise<void>;
}

export function createPushSubscriptionService(
  store: StaffStore,
  cap = MAX_PUSH_SUBSCRIPTIONS_PER_STAFF,
): PushSubscriptionService {
  return {
    async subscribe(staffId, body) {
      const check = checkPushSubscription(body);
      if (!check.ok) throw invalid(check.problems);
      const saved = await store.savePushSubscription(
        staffId,
        {
          endpoint: body.endpoint,
          p256dh: body.keys.p256dh,
          auth: body.keys.auth,
          userAgent: body.userAgent ? body.userAgent.slice(0, 300) : null,
        },
        cap,
      );
      if (!saved.ok) {
        throw new ServiceError(
          'conflict',
          'PUSH_SUBSCRIPTION_CAP',
          `at most ${cap} devices can receive push notifications; remove one first`,
          { problems: [`push subscriptions: at most ${cap} per staff member`] },
        );
      }
      return { subscription: saved.subscription, created: saved.created };
    },
    list: (staffId) => store.listPushSubscriptions(staffId),
    async unsubscribe(staffId, by) {
      if (!(await store.deletePushSubscription(staffId, by)) && 'id' in by)
        throw notFound('push subscription');
    },
  };
}
