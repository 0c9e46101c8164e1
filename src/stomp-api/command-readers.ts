// Reading a room SEND body (text the STOMP adapter took off the wire) into a typed room command through
// the src/protocol schemas. A body the schema refuses becomes `invalid_message` (message bodies) or
// `invalid_request` (everything else), with the messages clients have always been given.

import type { PostCommand, RoomCommand } from '../chat/commands.js';
import type { MessageId, RoomId } from '../chat/model.js';
import { assertNever, ParleyError } from '../errors.js';
import {
  AskBodySchema,
  type Decoded,
  DeleteBodySchema,
  decodeJson,
  EditBodySchema,
  ModerateBodySchema,
  PostMessageBodySchema,
  ReactBodySchema,
  ReadBodySchema,
  ReportBodySchema,
  type RoomAction,
} from '../protocol/index.js';

/** Refuses a body the schema did not accept, with the code clients have always been given for it. */
function refuse(
  decoded: Extract<Decoded<unknown>, { ok: false }>,
  code: 'invalid_message' | 'invalid_request' = 'invalid_request',
): never {
  throw new ParleyError(code, decoded.message);
}

const NOT_AN_OBJECT = 'The body must be a JSON object.';

/**
 * `SEND /app/rooms.<id>`: JSON `{"body","clientMsgId"?,"replyTo"?}` or plain text, as the content type
 * says (without one, text starting with `{` is JSON).
 */
export function readPostCommand(roomId: RoomId, text: string, contentType: string | undefined): PostCommand {
  const isJson =
    contentType === undefined ? text.trimStart().startsWith('{') : /^application\/json\b/i.test(contentType);
  if (!isJson) return { kind: 'post', roomId, body: text };
  const decoded = decodeJson(PostMessageBodySchema, text);
  if (!decoded.ok) {
    if (decoded.message === NOT_AN_OBJECT) {
      throw new ParleyError('invalid_message', 'The body must be a JSON object {"body": "..."}.');
    }
    // A malformed reply reference is a bad request, not a bad message (as before the schemas).
    return refuse(decoded, decoded.path[0] === 'replyTo' ? 'invalid_request' : 'invalid_message');
  }
  const { body, clientMsgId, replyTo } = decoded.value;
  return {
    kind: 'post',
    roomId,
    body,
    ...(clientMsgId === undefined || clientMsgId === null ? {} : { clientMsgId }),
    ...(replyTo === undefined || replyTo === null ? {} : { replyTo: replyTo as MessageId }),
  };
}

/** `SEND /app/rooms.<id>.<action>` with its JSON body. */
export function readActionCommand(action: RoomAction, roomId: RoomId, text: string): RoomCommand {
  switch (action) {
    case 'edit': {
      const decoded = decodeJson(EditBodySchema, text);
      // An edit's new text follows the message rules; the rest of its body is a request.
      if (!decoded.ok)
        return refuse(decoded, decoded.path[0] === 'body' ? 'invalid_message' : 'invalid_request');
      const { messageId, body } = decoded.value;
      return { kind: 'edit', roomId, messageId: messageId as MessageId, body };
    }
    case 'delete': {
      const decoded = decodeJson(DeleteBodySchema, text);
      if (!decoded.ok) return refuse(decoded);
      return { kind: 'delete', roomId, messageId: decoded.value.messageId as MessageId };
    }
    case 'react': {
      const decoded = decodeJson(ReactBodySchema, text);
      if (!decoded.ok) return refuse(decoded);
      const { messageId, emoji, on } = decoded.value;
      return { kind: 'react', roomId, messageId: messageId as MessageId, emoji, on };
    }
    case 'report': {
      const decoded = decodeJson(ReportBodySchema, text);
      if (!decoded.ok) return refuse(decoded);
      const { messageId, reason } = decoded.value;
      return { kind: 'report', roomId, messageId: messageId as MessageId, reason };
    }
    case 'read': {
      const decoded = decodeJson(ReadBodySchema, text);
      if (!decoded.ok) return refuse(decoded);
      return { kind: 'read', roomId, seq: decoded.value.seq };
    }
    case 'ask': {
      const decoded = decodeJson(AskBodySchema, text);
      if (!decoded.ok) return refuse(decoded);
      return { kind: 'ask', roomId };
    }
    case 'moderate': {
      const decoded = decodeJson(ModerateBodySchema, text);
      if (!decoded.ok) return refuse(decoded);
      return { kind: 'moderate', roomId, action: decoded.value };
    }
    default:
      return assertNever(action);
  }
}
