export interface EventMessage {
  subject: string;
  /** JSON document. */
  body: string;
  /** SNS message attributes (string values) for subscription filters. */
  attributes: Record<string, string>;
}

/** SNS: run events to the stack topic and the template's topics. */
export interface Notifier {
  publish(topicArn: string, messages: readonly EventMessage[]): Promise<void>;
}
