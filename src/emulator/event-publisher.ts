/** Where emulator state changes go out as notification events (the notification hub implements it). */
export interface EventPublisher {
  publish(topicName: string, eventBody: unknown): void;
}
