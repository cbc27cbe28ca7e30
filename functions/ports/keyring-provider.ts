import type { KeyringNode } from '@aws-crypto/client-node';

/** The keyring that decrypts telemetry envelopes (KMS in the cloud). */
export interface KeyringProvider {
  keyring(): KeyringNode;
}
