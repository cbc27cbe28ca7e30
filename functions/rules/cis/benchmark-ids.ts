/** The benchmarks the cis package holds (functions/rules/cis/benchmarks/<id>.json); no data, for small bundles. */
export const BENCHMARK_IDS = [
  'al2',
  'al2023',
  'almalinux9',
  'debian12',
  'rhel8',
  'rhel9',
  'ubuntu2204',
  'ubuntu2404',
] as const;
export type BenchmarkId = (typeof BENCHMARK_IDS)[number];
