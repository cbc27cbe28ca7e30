import { getClient, type KeyringNode, KMS, KmsKeyringNode } from '@aws-crypto/client-node';
import type { KeyringProvider } from '../../ports/keyring-provider';

/** The telemetry key in KMS. The ESDK needs the aggregated `KMS` client class (see TOOLCHAIN.md). */
export class KmsKeyringProvider implements KeyringProvider {
  private cached?: KeyringNode;
  constructor(private readonly keyArn: string) {}

  keyring(): KeyringNode {
    this.cached ??= new KmsKeyringNode({ generatorKeyId: this.keyArn, clientProvider: getClient(KMS, {}) });
    return this.cached;
  }
}
