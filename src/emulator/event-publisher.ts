/** Where emulator state changes go out as notification events (the notification hub implements it). */
export interface EventPublisher {
  /** true when some channel is subscribed to the topic (lets callers skip building unused event bodies). */
  isSubscribed(topicName: string): boolean;
  publish(topicName: string, eventBody: unknown): void;
}
