import type { KeyringNode } from '@aws-crypto/client-node';

/**
 * A keyring for one decryption, and the errors of the key service it met that a retry may clear
 * (throttling, service faults, timeouts). The envelope library folds every key-service failure into one
 * "unable to decrypt", so without this a throttled KMS would look like tampered telemetry.
 */
export interface KeyringSession {
  keyring: KeyringNode;
  transientErrors(): readonly Error[];
}

/** The keyring that decrypts telemetry envelopes (KMS in the cloud). */
export interface KeyringProvider {
  session(): KeyringSession;
}
