/**
 * Callback URL checks when a job is submitted: a refusal is the client's 400. The
 * egress client checks the destination again at each delivery, because what a name
 * resolves to can change after it was accepted.
 */
import type { EgressClient } from '@vcq/egress';
import { ValidationError } from '@vcq/errors';

const FIELD = 'callbackUrl';
const MAX_URL_LENGTH = 2048;

/**
 * Checks a callback URL at submission: at most 2048 characters, and a destination the
 * egress policy accepts (http(s), no credentials, every address public unless the host
 * is on EGRESS_ALLOW_PRIVATE_HOSTS, a name that resolves). Throws a ValidationError naming `callbackUrl`.
 */
export async function checkCallbackUrl(url: string, egress: EgressClient): Promise<void> {
  if (url.length > MAX_URL_LENGTH) {
    const message = `${FIELD} must be at most ${MAX_URL_LENGTH} characters`;
    throw new ValidationError(message, [{ field: FIELD, message }]);
  }
  await egress.checkDestination(url, { field: FIELD });
}
