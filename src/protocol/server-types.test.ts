// The server's own types (branded ids, inward) must stay assignable to the wire types: a field
// renamed or retyped on one side and not the other fails the type check.
import { describe, expectTypeOf, it } from 'vitest';
import type * as model from '../chat/model.js';
import type * as wire from './index.js';

describe('server types against the wire contract', () => {
  it('are assignable to the wire types', () => {
    expectTypeOf<model.User>().toExtend<wire.User>();
    expectTypeOf<model.Message>().toExtend<wire.Message>();
    expectTypeOf<model.Room>().toExtend<wire.Room>();
    expectTypeOf<model.Reaction>().toExtend<wire.Reaction>();
    expectTypeOf<model.ReplyQuote>().toExtend<wire.ReplyQuote>();
    expectTypeOf<model.RoomEvent>().toExtend<wire.RoomEvent>();
    expectTypeOf<model.RoomState>().toExtend<wire.RoomState>();
  });
});
