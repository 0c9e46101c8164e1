// The answers docs/protocol.md writes out as JSON, by route, and the schema of each: held to the page by
// test/docs-protocol.test.ts and to the route table of the OpenAPI document by test/api-description.test.ts.
import type * as z from 'zod/mini';
import {
  AddressIdentitiesSchema,
  AuditPageSchema,
  BansSchema,
  ClientLimitsSchema,
  HealthSchema,
  IdentitySchema,
  LinkCodeSchema,
  MemberSearchPageSchema,
  MembersSchema,
  MessagesPageSchema,
  MutesSchema,
  OwnershipSchema,
  ReadinessSchema,
  ReadSummarySchema,
  RecoveryCodeSchema,
  ReportsSchema,
  RoomGrantSchema,
  RoomPageSchema,
  SearchPageSchema,
  UnreadSchema,
} from '../../src/protocol/index.js';

/** The answers docs/protocol.md writes out as JSON, by route, and the schema of each. */
export const ANSWERS: Readonly<Record<string, z.ZodMiniObject>> = {
  'GET /api/limits': ClientLimitsSchema,
  'GET /api/rooms': RoomPageSchema,
  'POST /api/rooms/:id/join': RoomGrantSchema,
  'GET /api/rooms/:id/messages': MessagesPageSchema,
  'GET /api/rooms/:id/members': MembersSchema,
  'GET /api/rooms/:id/reads': ReadSummarySchema,
  'GET /api/rooms/:id/search': SearchPageSchema,
  'GET /api/search': MemberSearchPageSchema,
  'GET /healthz': HealthSchema,
  'GET /readyz': ReadinessSchema,
  'GET /api/rooms/:id/audit': AuditPageSchema,
  'GET /api/rooms/:id/reports': ReportsSchema,
  'GET /api/rooms/:id/bans': BansSchema,
  'GET /api/rooms/:id/mutes': MutesSchema,
  'GET /api/rooms/:id/members/:userId/addresses': AddressIdentitiesSchema,
  'GET /api/rooms/:id/ownership': OwnershipSchema,
  'GET /api/me/unread': UnreadSchema,
  'GET /api/sessions/identity': IdentitySchema,
  'POST /api/sessions/recovery-code': RecoveryCodeSchema,
  'POST /api/sessions/link-code': LinkCodeSchema,
};
