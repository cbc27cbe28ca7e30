/**
 * The OpenVEX justifications, apart from core/suppressions.ts (and its zod schemas), so the CLI can offer them
 * as option choices without loading the rest.
 */
/** OpenVEX 0.2.0's justifications for `not_affected` (OPENVEX-SPEC.md, "Status Justifications"). */
export const VEX_JUSTIFICATIONS = [
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
] as const;
export type VexJustification = (typeof VEX_JUSTIFICATIONS)[number];
