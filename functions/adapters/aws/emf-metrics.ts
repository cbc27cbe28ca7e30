/**
 * Lifecycle metrics as CloudWatch embedded metric format (Powertools Metrics): one JSON line in the
 * Lambda's log per data point, which CloudWatch turns into a metric with no API call (and no throttling).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LifecycleMetrics } from '../../core/run-lifecycle/deps';

export const METRICS_NAMESPACE = 'InspectorClassicSelfHosted';
/** The `service` dimension of every lifecycle metric (alarms must name the same dimensions). */
export const LIFECYCLE_METRICS_SERVICE = 'inspector-run-lifecycle';

export class EmfLifecycleMetrics implements LifecycleMetrics {
  constructor(
    private readonly metrics = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: LIFECYCLE_METRICS_SERVICE,
    }),
  ) {}

  count(name: string, value: number, dimensions: Record<string, string> = {}): void {
    // A single metric is written at once, not held until the end of the invocation.
    const single = this.metrics.singleMetric();
    for (const [key, v] of Object.entries(dimensions)) single.addDimension(key, v);
    single.addMetric(name, MetricUnit.Count, value);
  }
}
