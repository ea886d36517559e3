// VAPID (RFC 8292) keys: generate them once, print them as env lines, and check a configured set.
import { createECDH, ECDH } from 'node:crypto';
import webpush from 'web-push';

export interface VapidKeys {
  /** Uncompressed P-256 public key (65 bytes), base64url without padding. */
  publicKey: string;
  /** P-256 private scalar (32 bytes), base64url without padding. */
  privateKey: string;
}

export interface VapidDetails extends VapidKeys {
  /** Contact for the push service operator: a `mailto:` address or an `https:` URL. */
  subject: string;
}

export type VapidField = 'publicKey' | 'privateKey' | 'subject';

/** One thing wrong with a VAPID configuration; `field` lets config map it onto its own key. */
export interface VapidProblem {
  field: VapidField;
  message: string;
}

/** The environment variables the configuration reads VAPID from (named here so messages can point at them). */
export const VAPID_ENV = {
  publicKey: 'VAPID_PUBLIC_KEY',
  privateKey: 'VAPID_PRIVATE_KEY',
  subject: 'VAPID_SUBJECT',
} as const satisfies Record<VapidField, string>;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** A fresh P-256 key pair for VAPID. Generate once per deployment: subscriptions are bound to the public key. */
export function generateVapidKeys(): VapidKeys {
  const { publicKey, privateKey } = webpush.generateVAPIDKeys();
  return { publicKey, privateKey };
}

/** The key pair as `.env` lines, ready to paste. The private key is a secret: print it only where asked to. */
export function formatVapidEnv(keys: VapidKeys): string {
  return `${VAPID_ENV.publicKey}=${keys.publicKey}\n${VAPID_ENV.privateKey}=${keys.privateKey}\n`;
}

/**
 * Every problem with a VAPID configuration, at once. All three values absent means "push not configured"
 * and is not a problem here (config decides whether push is required). Never echoes the private key.
 */
export function validateVapid(input: {
  publicKey?: string | undefined;
  privateKey?: string | undefined;
  subject?: string | undefined;
}): VapidProblem[] {
  const publicKey = input.publicKey?.trim() ?? '';
  const privateKey = input.privateKey?.trim() ?? '';
  const subject = input.subject?.trim() ?? '';
  if (publicKey === '' && privateKey === '' && subject === '') return [];

  const problems: VapidProblem[] = [];
  const add = (field: VapidField, message: string): void => {
    problems.push({ field, message: `${VAPID_ENV[field]}: ${message}` });
  };
  const hint = 'run `kigen keys` to generate a pair';

  let publicBytes: Buffer | undefined;
  if (publicKey === '') {
    add('publicKey', `missing while other VAPID settings are set; ${hint}`);
  } else {
    publicBytes = decodeStrictBase64url(publicKey);
    if (publicBytes === undefined) {
      add('publicKey', 'must be base64url (A-Z a-z 0-9 - _, no padding)');
    } else if (publicBytes.length !== 65 || publicBytes[0] !== 0x04) {
      add('publicKey', `must decode to a 65-byte uncompressed P-256 point (got ${publicBytes.length} bytes)`);
      publicBytes = undefined;
    } else if (!isP256Point(publicBytes)) {
      add('publicKey', 'is not a point on the P-256 curve');
      publicBytes = undefined;
    }
  }

  let privateBytes: Buffer | undefined;
  if (privateKey === '') {
    add('privateKey', `missing while other VAPID settings are set; ${hint}`);
  } else {
    privateBytes = decodeStrictBase64url(privateKey);
    if (privateBytes === undefined) {
      add('privateKey', 'must be base64url (A-Z a-z 0-9 - _, no padding)');
    } else if (privateBytes.length !== 32) {
      add('privateKey', `must decode to 32 bytes (got ${privateBytes.length})`);
      privateBytes = undefined;
    }
  }

  if (publicBytes !== undefined && privateBytes !== undefined) {
    const derived = publicKeyOf(privateBytes);
    if (derived === undefined) {
      add('privateKey', 'is not a valid P-256 private key');
    } else if (!derived.equals(publicBytes)) {
      add(
        'privateKey',
        `does not belong to ${VAPID_ENV.publicKey}; use the two lines of one \`kigen keys\` run`,
      );
    }
  }

  const subjectProblem = checkSubject(subject);
  if (subjectProblem !== undefined) add('subject', subjectProblem);
  return problems;
}

function checkSubject(subject: string): string | undefined {
  if (subject === '') {
    return 'missing: push services require a contact, e.g. mailto:ops@example.jp or https://example.jp/contact';
  }
  let url: URL;
  try {
    url = new URL(subject);
  } catch {
    return 'must be a mailto: address or an https: URL';
  }
  if (url.protocol === 'mailto:') {
    return /^[^@\s]+@[^@\s]+$/.test(decodeURIComponent(url.pathname))
      ? undefined
      : 'mailto: needs an address, e.g. mailto:ops@example.jp';
  }
  if (url.protocol === 'https:') {
    // Apple's push service rejects the JWT (BadJwtToken) when the subject is a localhost URL.
    return url.hostname === 'localhost' || url.hostname.endsWith('.localhost')
      ? 'must not point at localhost (Apple rejects it); use a public URL or a mailto: address'
      : undefined;
  }
  return `must be a mailto: address or an https: URL (got ${url.protocol})`;
}

function decodeStrictBase64url(text: string): Buffer | undefined {
  return BASE64URL.test(text) ? Buffer.from(text, 'base64url') : undefined;
}

function isP256Point(bytes: Buffer): boolean {
  try {
    ECDH.convertKey(bytes, 'prime256v1');
    return true;
  } catch {
    return false;
  }
}

function publicKeyOf(privateKey: Buffer): Buffer | undefined {
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateKey);
    return ecdh.getPublicKey();
  } catch {
    return undefined;
  }
}
