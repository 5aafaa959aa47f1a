/** What a workspace's event webhook (`events` in its config) can be told; see core/pipeline/event-webhook.ts. */
export const eventTypes = ['conversation.created', 'message.created', 'conversation.handoff', 'conversation.assigned', 'conversation.closed'] as const;
export type EventType = (typeof eventTypes)[number];
