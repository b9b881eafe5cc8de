/** What goes over NOTIFY when a message commits: ids only; receivers read it in their own view. */
export interface MessageAddedPayload {
  messageId: string;
  consultationId: string;
}

export const MESSAGE_ADDED = 'CONSULTATION_MESSAGE_ADDED';

export const chatTopic = (consultationId: string) => `${MESSAGE_ADDED}:consultation:${consultationId}`;
