/** The error every version parser throws for a string its package manager would refuse. */
export class InvalidVersionError extends Error {
  override readonly name = 'InvalidVersionError';
  constructor(
    readonly format: 'dpkg' | 'rpm' | 'apk',
    readonly version: string,
    readonly problem: string,
  ) {
    super(`invalid ${format} version ${JSON.stringify(version)}: ${problem}`);
  }
}
