import { getClient, KMS, KmsKeyringNode } from '@aws-crypto/kms-keyring-node';
import type { KeyringProvider, KeyringSession } from '../../ports/keyring-provider';
import { awsClientConfig } from './client-config';
import { isTransientAwsError } from './transient-errors';

type KmsClientSupplier = (region: string) => KMS | false;

/**
 * The telemetry key in KMS. The ESDK needs the aggregated `KMS` client class (see TOOLCHAIN.md). Each
 * session's clients note the transient errors of their Decrypt calls (see KeyringSession).
 */
export class KmsKeyringProvider implements KeyringProvider {
  private readonly clients: KmsClientSupplier;
  constructor(
    private readonly keyArn: string,
    clients?: KmsClientSupplier,
  ) {
    this.clients = clients ?? getClient(KMS, awsClientConfig());
  }

  session(): KeyringSession {
    const errors: SessionErrors = { transient: [], configuration: [] };
    const clientProvider = (region: string): KMS | false => {
      const client = this.clients(region);
      return client ? watchDecrypt(client, errors) : false;
    };
    return {
      keyring: new KmsKeyringNode({ generatorKeyId: this.keyArn, clientProvider }),
      transientErrors: () => errors.transient,
      configurationErrors: () => errors.configuration,
    };
  }
}

/**
 * KMS Decrypt errors that say the key cannot be used (not that the ciphertext is bad): the key policy or a
 * grant denies it, the key is disabled or pending deletion, or it does not exist. InvalidCiphertextException
 * and IncorrectKeyException stay the telemetry's fault.
 */
const KEY_CONFIGURATION_ERRORS = new Set([
  'AccessDeniedException',
  'DisabledException',
  'KMSInvalidStateException',
  'NotFoundException',
  'InvalidKeyUsageException',
  'UnrecognizedClientException',
]);

interface SessionErrors {
  transient: Error[];
  configuration: Error[];
}

function watchDecrypt(client: KMS, errors: SessionErrors): KMS {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'decrypt') return Reflect.get(target, prop, receiver);
      return (...args: Parameters<KMS['decrypt']>) =>
        (target.decrypt as (...a: unknown[]) => Promise<unknown>)
          .apply(target, args)
          .catch((err: unknown) => {
            const name = (err as { name?: string } | undefined)?.name ?? '';
            if (isTransientAwsError(err)) errors.transient.push(err as Error);
            else if (KEY_CONFIGURATION_ERRORS.has(name)) errors.configuration.push(err as Error);
            throw err;
          });
    },
  });
}
