import { getClient, KMS, KmsKeyringNode } from '@aws-crypto/client-node';
import type { KeyringProvider, KeyringSession } from '../../ports/keyring-provider';
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
    this.clients = clients ?? getClient(KMS, {});
  }

  session(): KeyringSession {
    const errors: Error[] = [];
    const clientProvider = (region: string): KMS | false => {
      const client = this.clients(region);
      return client ? watchDecrypt(client, errors) : false;
    };
    return {
      keyring: new KmsKeyringNode({ generatorKeyId: this.keyArn, clientProvider }),
      transientErrors: () => errors,
    };
  }
}

function watchDecrypt(client: KMS, errors: Error[]): KMS {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'decrypt') return Reflect.get(target, prop, receiver);
      return (...args: Parameters<KMS['decrypt']>) =>
        (target.decrypt as (...a: unknown[]) => Promise<unknown>)
          .apply(target, args)
          .catch((err: unknown) => {
            if (isTransientAwsError(err)) errors.push(err as Error);
            throw err;
          });
    },
  });
}
