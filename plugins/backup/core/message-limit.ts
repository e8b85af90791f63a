/**
 * The longest free text an event carries (a failure's message, a refusal's detail) and, as the
 * same text, a notification's content: the vocabulary's `message` accepts exactly this much.
 */
export const MAX_MESSAGE_LENGTH = 4000;

/** Cuts text to what an event accepts, so a long error is recorded cut rather than rejected. */
export function clipMessage(text: string): string {
  return text.slice(0, MAX_MESSAGE_LENGTH);
}
