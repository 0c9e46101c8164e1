// UI text in English and Korean, picked from the browser's language list. The three field labels the
// contract keeps stable (Nickname, Room name, Message) are stable in English; Korean shows Korean only
// (its tests find the fields by the Korean names). Pure: the caller passes navigator.languages in.

import type { RoomChange } from './room-changes.js';

export type Locale = 'en' | 'ko';

export interface Strings {
  readonly appName: string;
  readonly skipToContent: string;
  readonly nicknameTitle: string;
  readonly nicknameHint: string;
  readonly nicknameLabel: string;
  readonly continue: string;
  readonly roomsTitle: string;
  readonly searchLabel: string;
  readonly roomNameLabel: string;
  readonly createRoom: string;
  readonly createHint: string;
  readonly moreRooms: string;
  readonly noRooms: string;
  readonly noMatches: string;
  readonly online: (n: number) => string;
  readonly lastActive: (relative: string) => string;
  readonly noActivity: string;
  readonly youAre: string;
  readonly allRooms: string;
  readonly members: (n: number) => string;
  readonly logLabel: string;
  readonly messageLabel: string;
  readonly discard: string;
  readonly emojiButton: string;
  readonly emojiPicker: string;
  readonly emojiSearch: string;
  readonly emojiResults: string;
  readonly emojiRecent: string;
  readonly emojiGroups: readonly string[];
  readonly emojiFound: (n: number) => string;
  readonly emojiNone: string;
  readonly mentionList: string;
  readonly mentionCount: (n: number) => string;
  readonly showMore: string;
  readonly showLess: string;
  readonly jumpToQuoted: (who: string) => string;
  readonly quotedGone: string;
  readonly send: string;
  readonly composerHint: string;
  readonly charsLeft: (n: number) => string;
  readonly tooLong: (n: number) => string;
  readonly statusConnected: string;
  readonly statusConnecting: string;
  readonly statusReconnecting: string;
  readonly statusOffline: string;
  readonly pendingSending: string;
  readonly pendingQueued: string;
  readonly pendingSent: string;
  readonly pendingFailed: string;
  readonly retry: string;
  readonly you: string;
  readonly joined: (who: string) => string;
  readonly left: (who: string) => string;
  readonly typing: (names: readonly string[]) => string;
  readonly newMessages: string;
  readonly loadingOlder: string;
  readonly loadOlder: string;
  readonly beginning: string;
  readonly loading: string;
  readonly roomNotFound: string;
  readonly roomClosed: string;
  readonly hiddenPendingReview: string;
  readonly openReportsBadge: (n: number) => string;
  readonly adminTitle: string;
  readonly operatorSecretLabel: string;
  readonly operatorSignIn: string;
  readonly operatorSignOut: string;
  readonly operatorSignedIn: (id: string) => string;
  readonly adminRooms: string;
  readonly orderLabel: string;
  readonly orderByActivity: string;
  readonly orderByReports: string;
  readonly takeDown: (room: string) => string;
  readonly restoreRoom: (room: string) => string;
  readonly roomStatusClosed: string;
  readonly roomStatusOpen: string;
  readonly reportQueue: string;
  readonly noOpenReports: string;
  readonly reportedIn: (room: string, n: number) => string;
  readonly dismissReportsOf: (author: string) => string;
  readonly deleteMessageOf: (author: string) => string;
  readonly banAuthor: (author: string) => string;
  readonly serverSettings: string;
  readonly reservedNamesLabel: string;
  readonly bannedWordsLabel: string;
  readonly filterModeLabel: string;
  readonly filterModeRefuse: string;
  readonly filterModeMask: string;
  readonly saveSettings: string;
  readonly adminDone: string;
  readonly noRoomsYet: string;
  readonly reportThresholdLabel: string;
  readonly reportThresholdHint: string;
  readonly saveWordFilter: string;
  readonly messageActions: string;
  readonly memberActions: (who: string) => string;
  readonly actionEdit: string;
  readonly actionDelete: string;
  readonly actionReply: string;
  readonly actionReact: string;
  readonly actionReport: string;
  readonly actionMute: string;
  readonly actionUnmute: string;
  readonly actionKick: string;
  readonly actionBan: string;
  readonly actionUnban: string;
  readonly actionAppoint: string;
  readonly actionDismiss: string;
  readonly actionMakeOwner: string;
  readonly confirmMakeOwner: (user: string) => string;
  readonly makeOwner: string;
  readonly claimOwnership: string;
  readonly ownerAway: string;
  readonly cancel: string;
  readonly save: string;
  readonly editLabel: string;
  readonly edited: string;
  /** Beside a message: how many members have not read it yet (the visible text is the number). */
  readonly notReadBy: (n: number) => string;
  /** Beside one's own message in a large room. */
  readonly readBy: (n: number) => string;
  readonly deletedMessage: string;
  readonly replyingTo: (who: string) => string;
  readonly cancelReply: string;
  readonly quotedDeleted: string;
  readonly reactWith: (emoji: string) => string;
  readonly reactionSummary: (emoji: string, count: number, names: readonly string[]) => string;
  readonly reasonLabel: string;
  readonly durationLabel: string;
  readonly forever: string;
  readonly minutes: (n: number) => string;
  readonly hours: (n: number) => string;
  readonly days: (n: number) => string;
  readonly sendReport: string;
  readonly reportSent: string;
  readonly confirmDelete: string;
  readonly moderateTitle: (action: string, who: string) => string;
  readonly owner: string;
  readonly moderator: string;
  readonly roomSettings: string;
  readonly reports: string;
  readonly bans: string;
  readonly auditLog: string;
  readonly closePanel: string;
  readonly topicLabel: string;
  readonly memberCapLabel: string;
  readonly memberCapHint: string;
  readonly slowModeLabel: string;
  readonly slowModeHint: string;
  readonly newPasswordLabel: string;
  readonly removePassword: string;
  readonly settingsSaved: string;
  readonly noReports: string;
  readonly noBans: string;
  readonly noAudit: string;
  readonly reportedBy: (who: string) => string;
  readonly bannedUntil: (until: string | null) => string;
  readonly by: (who: string) => string;
  readonly loadMore: string;
  readonly passwordProtected: string;
  readonly share: string;
  readonly shareTitle: string;
  readonly searchToggle: string;
  readonly searchTitle: string;
  readonly searchQueryLabel: string;
  readonly searchSubmit: string;
  readonly searching: string;
  readonly searchNoResults: string;
  readonly searchMore: string;
  readonly searchFurtherBack: string;
  readonly searchResultsLabel: string;
  readonly shareLinkLabel: string;
  readonly copyLink: string;
  readonly linkCopied: string;
  readonly copyFailed: string;
  readonly shareVia: string;
  readonly shareQrLabel: string;
  /** "You're joining <name>": the text before and after the room's name. */
  readonly joiningBefore: string;
  readonly joiningAfter: string;
  readonly jumpToLatest: string;
  readonly newSinceYouLeft: string;
  readonly notifyMentions: string;
  readonly notifyMentionsOn: string;
  readonly notifyDenied: string;
  readonly mentionNotice: (who: string, room: string) => string;
  readonly myRoomsTitle: string;
  readonly leave: string;
  readonly leaveRoom: (room: string) => string;
  readonly mentionsOfMe: (n: number) => string;
  readonly slowModeOn: (seconds: number) => string;
  readonly memberCapShown: (n: number) => string;
  readonly roomPasswordLabel: string;
  readonly enterRoom: string;
  readonly passwordNeeded: string;
  readonly rejoin: string;
  readonly tryAgain: string;
  readonly banScopeLegend: string;
  readonly banScopeAddress: string;
  readonly banScopeIdentity: string;
  readonly banScopeHint: string;
  readonly identitiesFromAddress: (n: number) => string;
  readonly banScopeShown: (scope: 'identity' | 'address') => string;
  readonly cooldownLabel: string;
  readonly noCooldown: string;
  readonly kickedUntil: (time: string) => string;
  readonly newcomerMinutesLabel: string;
  readonly newcomerMinutesHint: string;
  readonly newcomerMessagesLabel: string;
  readonly newcomerMessagesHint: string;
  readonly newcomerWait: (minutes: number | undefined, messages: number | undefined) => string;
  readonly newcomerRules: (minutes: number, messages: number) => string;
  readonly approveNewcomersLabel: string;
  readonly approvalNeeded: string;
  readonly approvalAsked: string;
  readonly approvalDenied: string;
  readonly askToPost: string;
  readonly actionApprove: string;
  readonly actionDeny: string;
  readonly approvalRule: string;
  readonly unread: (n: number) => string;
  readonly mentionedYou: (who: string) => string;
  readonly dismiss: string;
  readonly identityLink: string;
  readonly identityTitle: string;
  readonly identityIntro: string;
  readonly renameTitle: string;
  readonly renameHint: string;
  readonly newNicknameLabel: string;
  readonly rename: string;
  readonly renamed: (who: string) => string;
  readonly recoveryTitle: string;
  readonly recoveryHint: string;
  readonly recoveryNone: string;
  readonly recoveryMade: (when: string) => string;
  readonly createRecoveryCode: string;
  readonly replaceRecoveryCode: string;
  readonly recoveryCodeShown: string;
  readonly recoveryCodeLabel: string;
  readonly linkTitle: string;
  readonly linkHint: string;
  readonly showLinkCode: string;
  readonly linkCodeLabel: string;
  readonly linkCodeExpires: (time: string) => string;
  readonly linkQrLabel: string;
  readonly haveCodeTitle: string;
  readonly haveCodeHint: string;
  readonly codeLabel: string;
  readonly useCode: string;
  readonly switchIdentityWarning: string;
  readonly signOutOthersTitle: string;
  readonly signOutOthersHint: string;
  readonly signOutOthers: string;
  readonly signedOutOthers: string;
  readonly startOverTitle: string;
  readonly startOverHint: string;
  readonly startOver: string;
  readonly startOverConfirm: string;
  readonly startOverLoses: (n: number) => string;
  readonly startOverLosesNothing: string;
  readonly startOverRole: (role: 'owner' | 'moderator') => string;
  readonly notice: (event: NoticeText) => string;
  /** Slow mode: the composer waits this many seconds more. */
  readonly slowModeWait: (seconds: number) => string;
  /** This person is muted in the room until `time` (already localised). */
  readonly youAreMuted: (time: string) => string;
  /** Reports panel: close the message's reports, leaving it as it is (shown again if hidden). */
  readonly dismissReports: string;
  readonly banReportAuthor: string;
  /** One staff menu for the panels on phones. */
  readonly manage: string;
  readonly showWholeTopic: string;
  /** The room's notice banner and its editor (staff, in settings). */
  readonly noticeLabel: string;
  readonly showWholeNotice: string;
  readonly noticeEditorLabel: string;
  readonly noticeSave: string;
  readonly noticeRemove: string;
  readonly noticeSaved: string;
  readonly noticeRemoved: string;
  /** Pinned messages: the header button, its panel, the message actions. */
  readonly pinsButton: (count: number) => string;
  readonly pinsTitle: string;
  readonly noPins: string;
  readonly pinnedBy: (name: string) => string;
  readonly actionPin: string;
  readonly actionUnpin: string;
  readonly jumpToPinned: (author: string) => string;
  /** Audit entries that are not room notices. */
  readonly auditHidden: (reporters: number | null) => string;
  readonly auditRestored: (by: string) => string;
  readonly auditEdited: (by: string) => string;
  readonly auditDeleted: (by: string, author: string | null) => string;
  readonly error: (code: string) => string;
}

/** What a room event notice needs, already as display strings. */
export type NoticeText =
  | { readonly type: 'room.updated'; readonly by: string; readonly changes: readonly RoomChange[] }
  | { readonly type: 'message.deleted'; readonly by: string; readonly author: string }
  | {
      readonly type: 'member.muted';
      readonly by: string;
      readonly user: string;
      readonly until: string;
      readonly reason: string | null;
    }
  | {
      readonly type:
        | 'member.unmuted'
        | 'member.unbanned'
        | 'member.approved'
        | 'member.denied'
        | 'moderator.added'
        | 'moderator.removed';
      readonly by: string;
      readonly user: string;
    }
  | { readonly type: 'member.asked'; readonly user: string }
  | { readonly type: 'message.pinned'; readonly by: string; readonly author: string }
  | { readonly type: 'message.unpinned'; readonly by: string }
  /** `set` false: cleared. */
  | { readonly type: 'notice.changed'; readonly by: string; readonly set: boolean }
  | { readonly type: 'room.closed'; readonly by: string; readonly reason: string | null }
  | { readonly type: 'room.reopened'; readonly by: string }
  | {
      readonly type: 'owner.changed';
      readonly owner: string;
      readonly previous: string;
      readonly claimed: boolean;
    }
  | {
      readonly type: 'member.kicked';
      readonly by: string;
      readonly user: string;
      /** When they may come back; null: at once. */
      readonly until: string | null;
      readonly reason: string | null;
    }
  | {
      readonly type: 'member.banned';
      readonly by: string;
      readonly user: string;
      readonly until: string | null;
      readonly reason: string | null;
    };

function enChange(c: RoomChange): string {
  switch (c.kind) {
    case 'name':
      return `renamed the room to “${c.name}”`;
    case 'topic':
      return c.topic === null ? 'cleared the topic' : `changed the topic to “${c.topic}”`;
    case 'memberCap':
      return c.cap === null ? 'removed the member cap' : `set the member cap to ${c.cap}`;
    case 'slowMode':
      return c.seconds === 0 ? 'turned slow mode off' : `set slow mode to ${c.seconds} s`;
    case 'newcomerMinutes':
      return c.minutes === 0 ? 'turned the newcomer wait off' : `set the newcomer wait to ${c.minutes} min`;
    case 'newcomerMessages':
      return c.messages === 0
        ? 'turned the newcomer message count off'
        : `set the newcomer message count to ${c.messages}`;
    case 'approveNewcomers':
      return c.on ? 'started approving newcomers' : 'stopped approving newcomers';
    case 'password':
      return c.set ? 'set a password' : 'removed the password';
    case 'wordFilter':
      return c.words === null
        ? "cleared the room's banned words"
        : `set ${c.words} banned words for the room`;
    case 'reportHideThreshold':
      return c.threshold === null
        ? "set the report threshold to the server's"
        : `set the report threshold to ${c.threshold}`;
    default: {
      const unreachable: never = c;
      return unreachable;
    }
  }
}

function enList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function koChange(c: RoomChange): string {
  switch (c.kind) {
    case 'name':
      return `방 이름 “${c.name}”`;
    case 'topic':
      return c.topic === null ? '주제 지움' : `주제 “${c.topic}”`;
    case 'memberCap':
      return c.cap === null ? '인원 제한 없음' : `인원 제한 ${c.cap}명`;
    case 'slowMode':
      return c.seconds === 0 ? '슬로 모드 끔' : `슬로 모드 ${c.seconds}초`;
    case 'newcomerMinutes':
      return c.minutes === 0 ? '새 참가자 대기 시간 없음' : `새 참가자 대기 ${c.minutes}분`;
    case 'newcomerMessages':
      return c.messages === 0 ? '새 참가자 메시지 조건 없음' : `새 참가자 메시지 조건 ${c.messages}개`;
    case 'approveNewcomers':
      return c.on ? '새 참가자 승인 켬' : '새 참가자 승인 끔';
    case 'password':
      return c.set ? '비밀번호 설정' : '비밀번호 해제';
    case 'wordFilter':
      return c.words === null ? '방 금지어 지움' : `방 금지어 ${c.words}개`;
    case 'reportHideThreshold':
      return c.threshold === null ? '신고 기준 서버 기본값' : `신고 기준 ${c.threshold}건`;
    default: {
      const unreachable: never = c;
      return unreachable;
    }
  }
}

const en: Strings = {
  appName: 'Parley',
  skipToContent: 'Skip to content',
  nicknameTitle: 'Pick a nickname',
  nicknameHint: 'No sign-up, no password. Others see you as nickname#1234.',
  nicknameLabel: 'Nickname',
  continue: 'Continue',
  roomsTitle: 'Rooms',
  searchLabel: 'Search rooms',
  roomNameLabel: 'Room name',
  createRoom: 'Create room',
  createHint: 'Press Enter to create the room and go in.',
  moreRooms: 'More rooms',
  noRooms: 'No rooms yet. Create the first one.',
  noMatches: 'No room matches that search.',
  online: (n) => `${n} online`,
  lastActive: (relative) => `active ${relative}`,
  noActivity: 'no messages yet',
  youAre: 'You are',
  allRooms: 'All rooms',
  members: (n) => `Online now (${n})`,
  logLabel: 'Conversation',
  messageLabel: 'Message',
  discard: 'Discard',
  emojiButton: 'Insert emoji',
  emojiPicker: 'Emoji',
  emojiSearch: 'Search emoji',
  emojiResults: 'Search results',
  emojiRecent: 'Recently used',
  emojiGroups: [
    'Smileys & emotion',
    'People & body',
    'Animals & nature',
    'Food & drink',
    'Travel & places',
    'Activities',
    'Objects',
    'Symbols',
    'Flags',
  ],
  emojiFound: (n) => (n === 1 ? '1 emoji found' : `${n} emoji found`),
  emojiNone: 'No emoji found',
  mentionList: 'People to mention',
  mentionCount: (n) =>
    n === 1
      ? '1 person to mention: arrows choose, Enter inserts'
      : `${n} people to mention: arrows choose, Enter inserts`,
  showMore: 'Show more',
  showLess: 'Show less',
  jumpToQuoted: (who) => `Go to the quoted post by ${who}`,
  quotedGone: 'The quoted post is no longer in this room.',
  send: 'Send',
  composerHint: 'Enter sends, Shift+Enter adds a line.',
  charsLeft: (n) => `${n} characters left`,
  tooLong: (n) => `${n} characters too long`,
  statusConnected: 'Connected',
  statusConnecting: 'Connecting…',
  statusReconnecting: 'Reconnecting…',
  statusOffline: 'Offline',
  pendingSending: 'Sending…',
  pendingQueued: 'Waiting for connection…',
  pendingSent: 'Sent',
  pendingFailed: 'Not sent',
  retry: 'Retry',
  you: 'you',
  joined: (who) => `${who} joined`,
  left: (who) => `${who} left`,
  typing: (names) =>
    names.length === 1
      ? `${names[0]} is typing…`
      : names.length === 2
        ? `${names[0]} and ${names[1]} are typing…`
        : 'Several people are typing…',
  newMessages: 'New messages ↓',
  loadingOlder: 'Loading earlier messages…',
  loadOlder: 'Load earlier messages',
  beginning: 'This is the beginning of the room.',
  loading: 'Loading…',
  roomNotFound: 'This room does not exist.',
  roomClosed: 'An operator took this room down. Nobody can read or post in it now.',
  hiddenPendingReview: 'Hidden pending review',
  openReportsBadge: (n) => (n === 1 ? '1 open report' : `${n} open reports`),
  adminTitle: 'Operator',
  operatorSecretLabel: 'Operator secret',
  operatorSignIn: 'Sign in as operator',
  operatorSignOut: 'Sign out',
  operatorSignedIn: (id) => `Signed in as operator ${id}`,
  adminRooms: 'Rooms',
  orderLabel: 'Order rooms by',
  orderByActivity: 'Activity',
  orderByReports: 'Open reports',
  takeDown: (room) => `Take down ${room}`,
  restoreRoom: (room) => `Restore ${room}`,
  roomStatusClosed: 'Taken down',
  roomStatusOpen: 'Open',
  reportQueue: 'Report queue',
  noOpenReports: 'No open reports.',
  reportedIn: (room, n) => `In ${room}: ${n === 1 ? '1 report' : `${n} reports`}`,
  dismissReportsOf: (author) => `Dismiss reports of ${author}'s message`,
  deleteMessageOf: (author) => `Delete ${author}'s message`,
  banAuthor: (author) => `Ban ${author} from the server`,
  serverSettings: 'Server settings',
  reservedNamesLabel: 'Reserved names (one per line)',
  bannedWordsLabel: 'Banned words (one per line)',
  filterModeLabel: 'When a banned word is used',
  filterModeRefuse: 'Refuse the message',
  filterModeMask: 'Mask the word (***)',
  saveSettings: 'Save settings',
  adminDone: 'Done.',
  noRoomsYet: 'No rooms.',
  reportThresholdLabel: 'Hide a message after this many reporters',
  reportThresholdHint: '0: never hide. Empty: the server default.',
  saveWordFilter: 'Apply word filter',
  messageActions: 'Message actions',
  memberActions: (who) => `Member actions for ${who}`,
  actionEdit: 'Edit',
  actionDelete: 'Delete',
  actionReply: 'Reply',
  actionReact: 'React',
  actionReport: 'Report',
  actionMute: 'Mute',
  actionUnmute: 'Unmute',
  actionKick: 'Kick',
  actionBan: 'Ban',
  actionUnban: 'Unban',
  actionAppoint: 'Make moderator',
  actionDismiss: 'Remove moderator',
  actionMakeOwner: 'Make owner',
  confirmMakeOwner: (user) =>
    `Make ${user} the owner of this room? You will stay on as a moderator and cannot take it back.`,
  makeOwner: 'Make owner',
  claimOwnership: 'Claim ownership',
  ownerAway: 'The owner has been away for a long time. As a moderator, you may take over the room.',
  cancel: 'Cancel',
  save: 'Save',
  editLabel: 'Edit text',
  edited: '(edited)',
  notReadBy: (n) => (n === 1 ? 'Not read by 1 member' : `Not read by ${n} members`),
  readBy: (n) => `Read by ${n}`,
  deletedMessage: 'This message was deleted.',
  replyingTo: (who) => `Replying to ${who}`,
  cancelReply: 'Cancel reply',
  quotedDeleted: 'deleted message',
  reactWith: (emoji) => `React with ${emoji}`,
  reactionSummary: (emoji, count, names) => `${emoji} ${count}: ${names.join(', ')}`,
  reasonLabel: 'Reason',
  durationLabel: 'Duration',
  forever: 'Forever',
  minutes: (n) => `${n} minutes`,
  hours: (n) => (n === 1 ? '1 hour' : `${n} hours`),
  days: (n) => (n === 1 ? '1 day' : `${n} days`),
  sendReport: 'Send report',
  reportSent: 'Report sent to the moderators.',
  confirmDelete: 'Delete this message for everyone?',
  moderateTitle: (action, who) => `${action}: ${who}`,
  owner: 'owner',
  moderator: 'moderator',
  roomSettings: 'Room settings',
  reports: 'Reports',
  bans: 'Bans',
  auditLog: 'Audit log',
  closePanel: 'Close',
  topicLabel: 'Topic',
  memberCapLabel: 'Member cap',
  memberCapHint: 'Most people online at once; empty for no cap.',
  slowModeLabel: 'Slow mode (seconds)',
  slowModeHint: 'One message per person every this many seconds; 0 turns it off. Staff are exempt.',
  newPasswordLabel: 'New room password',
  removePassword: 'Remove the password',
  settingsSaved: 'Settings saved.',
  noReports: 'No reports.',
  noBans: 'Nobody is banned.',
  noAudit: 'Nothing recorded yet.',
  reportedBy: (who) => `reported by ${who}`,
  bannedUntil: (until) => (until === null ? 'banned for good' : `banned until ${until}`),
  by: (who) => `by ${who}`,
  loadMore: 'Load more',
  passwordProtected: 'Password protected',
  share: 'Share',
  shareTitle: 'Share this room',
  searchToggle: 'Search',
  searchTitle: 'Search this room',
  searchQueryLabel: 'Find in this room',
  searchSubmit: 'Search',
  searching: 'Searching…',
  searchNoResults: 'No messages match.',
  searchMore: 'More results',
  searchFurtherBack: 'Nothing among the latest messages. Look further back',
  searchResultsLabel: 'Search results',
  shareLinkLabel: 'Room link',
  copyLink: 'Copy link',
  linkCopied: 'Link copied.',
  copyFailed: 'Could not copy: the link is selected, copy it yourself.',
  shareVia: 'Share via…',
  shareQrLabel: 'QR code of the room link',
  joiningBefore: 'You’re joining ',
  joiningAfter: '',
  jumpToLatest: 'Jump to latest',
  newSinceYouLeft: 'New since you left',
  notifyMentions: 'Notify me of mentions',
  notifyMentionsOn: 'Mention notifications on',
  notifyDenied: 'The browser blocks notifications for this site.',
  mentionNotice: (who, room) => `${who} mentioned you in ${room}`,
  myRoomsTitle: 'My rooms',
  leave: 'Leave',
  leaveRoom: (room) => `Leave ${room}`,
  mentionsOfMe: (n) => (n === 1 ? '1 mention' : `${n} mentions`),
  slowModeOn: (seconds) => `Slow mode: one message every ${seconds} s`,
  memberCapShown: (n) => `At most ${n} online`,
  roomPasswordLabel: 'Room password',
  enterRoom: 'Enter',
  passwordNeeded: 'This room has a password.',
  rejoin: 'Rejoin',
  tryAgain: 'Try again',
  approveNewcomersLabel: 'Approve newcomers before they post',
  approvalNeeded: 'New here: staff approve newcomers before they post. You can read along meanwhile.',
  approvalAsked: 'You asked to post here; staff have not answered yet.',
  approvalDenied: 'Staff declined to let you post here.',
  askToPost: 'Ask to post',
  actionApprove: 'Let post',
  actionDeny: 'Decline',
  approvalRule: 'newcomers need approval',
  banScopeLegend: 'The ban covers',
  banScopeAddress: 'This identity and its network',
  banScopeIdentity: 'This identity only',
  banScopeHint:
    'A network ban also keeps out new identities from the same connection; on a shared network (home, school, mobile carrier) it keeps out everyone on it.',
  identitiesFromAddress: (n) =>
    n === 1 ? '1 identity from this address' : `${n} identities from this address`,
  banScopeShown: (scope) => (scope === 'address' ? 'identity and network' : 'identity only'),
  cooldownLabel: 'Out for',
  noCooldown: 'No cool-down (may rejoin now)',
  kickedUntil: (time) => `A moderator removed you from this room. You can come back at ${time}.`,
  newcomerMinutesLabel: 'New identities wait (minutes)',
  newcomerMinutesHint:
    'Identities younger than this may read but not post; 0 turns it off. Staff are exempt.',
  newcomerMessagesLabel: 'Newcomers listen first (messages)',
  newcomerMessagesHint:
    'Newcomers may post once this many messages were said here since they arrived; 0 turns it off.',
  newcomerWait: (minutes, messages) => {
    const parts = [
      ...(minutes === undefined ? [] : [minutes <= 1 ? 'in a minute' : `in ${minutes} minutes`]),
      ...(messages === undefined
        ? []
        : [messages === 1 ? 'after 1 more message here' : `after ${messages} more messages here`]),
    ];
    return `New here: you can read along now and post ${parts.join(' and ')}.`;
  },
  newcomerRules: (minutes, messages) =>
    `${[
      ...(minutes > 0 ? [`identities ${minutes} min old`] : []),
      ...(messages > 0 ? [`after ${messages} messages`] : []),
    ].join(', ')} may post`,
  unread: (n) => (n === 1 ? '1 unread' : `${n} unread`),
  mentionedYou: (who) => `${who} mentioned you`,
  dismiss: 'Dismiss',
  identityLink: 'Identity',
  identityTitle: 'Your identity',
  identityIntro:
    'No account, no password: this browser holds your identity. Keep a recovery code to get it back, link your other devices, or start over as someone new.',
  renameTitle: 'Nickname',
  renameHint:
    'Renaming keeps you the same person: your rooms, roles and history stay yours. Others see the new name from now on; older messages keep the name they were sent with.',
  newNicknameLabel: 'New nickname',
  rename: 'Rename',
  renamed: (who) => `You are now ${who}.`,
  recoveryTitle: 'Recovery code',
  recoveryHint:
    'With this code any browser can become you again, even after this one is gone. It is shown once: write it down or keep it in a password manager.',
  recoveryNone: 'You have no recovery code yet.',
  recoveryMade: (when) => `Your recovery code was made ${when}. A new one replaces it.`,
  createRecoveryCode: 'Create a recovery code',
  replaceRecoveryCode: 'Replace the recovery code',
  recoveryCodeShown: 'Your recovery code. It will not be shown again:',
  recoveryCodeLabel: 'Recovery code',
  linkTitle: 'Link another device',
  linkHint:
    'Show a one-time code here and enter it (or scan the QR code) on your other device within a few minutes.',
  showLinkCode: 'Show a link code',
  linkCodeLabel: 'Link code',
  linkCodeExpires: (time) => `Works once, until ${time}.`,
  linkQrLabel: 'QR code for linking another device',
  haveCodeTitle: 'Been here before?',
  haveCodeHint: 'Enter a recovery code, or a link code shown on your other device.',
  codeLabel: 'Recovery or link code',
  useCode: 'Use code',
  switchIdentityWarning: 'Using a code here makes this browser that identity instead of the current one.',
  signOutOthersTitle: 'Sign out other devices',
  signOutOthersHint:
    'Every other browser using this identity is signed out at once. This one stays signed in.',
  signOutOthers: 'Sign out other devices',
  signedOutOthers:
    'Other devices were signed out. Recovery and link codes made before now no longer work: make a new recovery code.',
  startOverTitle: 'Start over',
  startOverHint:
    'Become someone new with a new nickname. This identity stays behind: only its recovery code brings it back.',
  startOver: 'Start over as someone new',
  startOverConfirm: 'Start over',
  startOverLoses: (n) =>
    n === 1 ? 'You will lose your role in this room:' : `You will lose your roles in these ${n} rooms:`,
  startOverLosesNothing: 'You hold no role in any room.',
  startOverRole: (role) => (role === 'owner' ? 'owner' : 'moderator'),
  notice: (e) => {
    const why = (reason: string | null): string => (reason === null ? '' : ` (${reason})`);
    switch (e.type) {
      case 'room.updated':
        return e.changes.length === 0
          ? `${e.by} changed the room settings`
          : `${e.by} ${enList(e.changes.map(enChange))}`;
      case 'message.deleted':
        return `${e.by} deleted a message by ${e.author}`;
      case 'member.muted':
        return `${e.by} muted ${e.user} until ${e.until}${why(e.reason)}`;
      case 'member.unmuted':
        return `${e.by} unmuted ${e.user}`;
      case 'room.closed':
        return `${e.by} took the room down${why(e.reason)}`;
      case 'room.reopened':
        return `${e.by} restored the room`;
      case 'member.kicked':
        return `${e.by} kicked ${e.user}${e.until === null ? '' : ` until ${e.until}`}${why(e.reason)}`;
      case 'member.banned':
        return `${e.by} banned ${e.user} ${e.until === null ? 'for good' : `until ${e.until}`}${why(e.reason)}`;
      case 'member.unbanned':
        return `${e.by} unbanned ${e.user}`;
      case 'member.asked':
        return `${e.user} asks to post here`;
      case 'member.approved':
        return `${e.by} let ${e.user} post`;
      case 'member.denied':
        return `${e.by} declined ${e.user}'s request to post`;
      case 'moderator.added':
        return `${e.by} made ${e.user} a moderator`;
      case 'moderator.removed':
        return `${e.by} removed ${e.user} as moderator`;
      case 'owner.changed':
        return e.claimed
          ? `${e.owner} claimed the room: ${e.previous} was away too long, and is now a moderator`
          : `${e.previous} made ${e.owner} the owner of the room, and is now a moderator`;
      case 'message.pinned':
        return `${e.by} pinned a message by ${e.author}`;
      case 'message.unpinned':
        return `${e.by} unpinned a message`;
      case 'notice.changed':
        return e.set ? `${e.by} set the room notice` : `${e.by} removed the room notice`;
      default: {
        const unreachable: never = e;
        return unreachable;
      }
    }
  },
  slowModeWait: (seconds) => `Slow mode: you can send again in ${seconds} s`,
  youAreMuted: (time) => `You are muted in this room until ${time}.`,
  dismissReports: 'Dismiss',
  banReportAuthor: 'Ban author',
  manage: 'Manage',
  showWholeTopic: 'Show the whole topic',
  noticeLabel: 'Notice',
  showWholeNotice: 'Show the whole notice',
  noticeEditorLabel: 'Room notice (shown at the top of the room to everyone)',
  noticeSave: 'Set notice',
  noticeRemove: 'Clear notice',
  noticeSaved: 'Notice saved.',
  noticeRemoved: 'Notice removed.',
  pinsButton: (n) => (n === 1 ? '📌 1 pinned' : `📌 ${n} pinned`),
  pinsTitle: 'Pinned messages',
  noPins: 'No pinned messages.',
  pinnedBy: (name) => `pinned by ${name}`,
  actionPin: 'Pin',
  actionUnpin: 'Unpin',
  jumpToPinned: (author) => `Go to the pinned message by ${author}`,
  auditHidden: (n) =>
    n === null ? 'A message was hidden after reports' : `A message was hidden after ${n} reports`,
  auditRestored: (by) => `${by} dismissed the reports and showed a message again`,
  auditEdited: (by) => `${by} edited a message`,
  auditDeleted: (by, author) =>
    author === null ? `${by} deleted a message` : `${by} deleted a message by ${author}`,
  error: (code) =>
    ({
      invalid_nickname:
        'That nickname is not allowed. Use 1–32 letters of one script, digits, punctuation or emoji; no # and nothing invisible.',
      nickname_reserved: 'That nickname is reserved. Pick another one.',
      nickname_unavailable: 'Too many people use that nickname right now. Pick another one.',
      unsafe_text: 'The message has direction controls or stacked accents that would hide what it says.',
      invalid_room: 'That room name is not allowed.',
      room_not_found: 'This room does not exist.',
      message_too_long: 'The message is too long.',
      rate_limited: 'Slow down a little and try again.',
      unauthorized: 'Your session expired. Pick a nickname again.',
      network: 'The server cannot be reached. Check your connection.',
      forbidden: 'You are not allowed to do that in this room.',
      muted: 'You are muted in this room.',
      banned: 'You are banned from this room.',
      kicked: 'A moderator removed you from this room. You may rejoin.',
      newcomer_wait: 'New here: you can read along, but not post yet.',
      slow_mode: 'Slow mode is on: wait a little before sending again.',
      room_full: 'This room is full right now. Try again later.',
      wrong_password: 'That room password is not right.',
      too_many_attempts: 'Too many password attempts. Wait a little and try again.',
      server_busy: 'The server is busy. Try again in a moment.',
      not_joined: 'Enter the room first.',
      edit_window_closed: 'The time to edit or delete this message has passed.',
      message_not_found: 'That message no longer exists.',
      too_many_reactions:
        'No room for that reaction: remove one of yours, or pick an emoji already on the message.',
      too_many_pins: 'This room has as many pinned messages as it may: unpin one first.',
      not_muted: 'That person is not muted.',
      not_banned: 'That person is not banned.',
      invalid_request: 'That request was not accepted.',
      invalid_code: 'That code does not work: it is wrong, used up, replaced or expired.',
      room_closed: 'An operator took this room down.',
      word_filtered: 'That contains a word this room or server does not allow.',
      not_operator: 'That operator secret is not right.',
      server_banned: 'You are banned from this server.',
    })[code] ?? 'Something went wrong. Please try again.',
};

const ko: Strings = {
  appName: 'Parley',
  skipToContent: '본문으로 건너뛰기',
  nicknameTitle: '닉네임을 정하세요',
  nicknameHint: '가입도 비밀번호도 없습니다. 다른 사람에게는 닉네임#1234로 보입니다.',
  nicknameLabel: '닉네임',
  continue: '계속',
  roomsTitle: '대화방',
  searchLabel: '대화방 검색',
  roomNameLabel: '방 이름',
  createRoom: '방 만들기',
  createHint: 'Enter를 누르면 방을 만들고 들어갑니다.',
  moreRooms: '대화방 더 보기',
  noRooms: '아직 대화방이 없습니다. 첫 방을 만들어 보세요.',
  noMatches: '검색과 일치하는 대화방이 없습니다.',
  online: (n) => `${n}명 접속 중`,
  lastActive: (relative) => `${relative} 활동`,
  noActivity: '아직 메시지 없음',
  youAre: '내 이름',
  allRooms: '모든 대화방',
  members: (n) => `지금 접속 중 (${n})`,
  logLabel: '대화 내용',
  messageLabel: '메시지',
  discard: '버리기',
  emojiButton: '이모지 넣기',
  emojiPicker: '이모지',
  emojiSearch: '이모지 검색',
  emojiResults: '검색 결과',
  emojiRecent: '최근 사용',
  emojiGroups: [
    '웃는 얼굴과 감정',
    '사람과 몸',
    '동물과 자연',
    '음식과 음료',
    '여행과 장소',
    '활동',
    '사물',
    '기호',
    '깃발',
  ],
  emojiFound: (n) => `이모지 ${n}개`,
  emojiNone: '찾은 이모지가 없습니다',
  mentionList: '언급할 사람',
  mentionCount: (n) => `언급할 사람 ${n}명: 화살표로 고르고 Enter로 넣습니다`,
  showMore: '더 보기',
  showLess: '접기',
  jumpToQuoted: (who) => `${who} 님의 인용된 글로 이동`,
  quotedGone: '인용된 글이 이 방에 더 이상 없습니다.',
  send: '보내기',
  composerHint: 'Enter로 보내고 Shift+Enter로 줄을 바꿉니다.',
  charsLeft: (n) => `${n}자 남음`,
  tooLong: (n) => `${n}자 초과`,
  statusConnected: '연결됨',
  statusConnecting: '연결 중…',
  statusReconnecting: '다시 연결 중…',
  statusOffline: '오프라인',
  pendingSending: '보내는 중…',
  pendingQueued: '연결을 기다리는 중…',
  pendingSent: '보냄',
  pendingFailed: '보내지 못함',
  retry: '다시 보내기',
  you: '나',
  joined: (who) => `${who} 님이 들어왔습니다`,
  left: (who) => `${who} 님이 나갔습니다`,
  typing: (names) =>
    names.length === 1
      ? `${names[0]} 님이 입력 중…`
      : names.length === 2
        ? `${names[0]}, ${names[1]} 님이 입력 중…`
        : '여러 명이 입력 중…',
  newMessages: '새 메시지 ↓',
  loadingOlder: '이전 메시지를 불러오는 중…',
  loadOlder: '이전 메시지 불러오기',
  beginning: '대화방의 처음입니다.',
  loading: '불러오는 중…',
  roomNotFound: '존재하지 않는 대화방입니다.',
  roomClosed: '운영자가 이 방을 닫았습니다. 지금은 아무도 읽거나 쓸 수 없습니다.',
  hiddenPendingReview: '검토 대기 중이라 숨겨짐',
  openReportsBadge: (n) => `처리되지 않은 신고 ${n}건`,
  adminTitle: '운영자',
  operatorSecretLabel: '운영자 비밀 키',
  operatorSignIn: '운영자로 로그인',
  operatorSignOut: '로그아웃',
  operatorSignedIn: (id) => `운영자 ${id}(으)로 로그인함`,
  adminRooms: '대화방',
  orderLabel: '대화방 정렬 기준',
  orderByActivity: '최근 활동',
  orderByReports: '처리되지 않은 신고',
  takeDown: (room) => `${room} 닫기`,
  restoreRoom: (room) => `${room} 다시 열기`,
  roomStatusClosed: '닫힘',
  roomStatusOpen: '열림',
  reportQueue: '신고 목록',
  noOpenReports: '처리되지 않은 신고가 없습니다.',
  reportedIn: (room, n) => `${room}: 신고 ${n}건`,
  dismissReportsOf: (author) => `${author} 님 메시지의 신고 기각`,
  deleteMessageOf: (author) => `${author} 님의 메시지 삭제`,
  banAuthor: (author) => `${author} 님을 서버에서 차단`,
  serverSettings: '서버 설정',
  reservedNamesLabel: '예약된 이름 (한 줄에 하나)',
  bannedWordsLabel: '금지어 (한 줄에 하나)',
  filterModeLabel: '금지어를 쓰면',
  filterModeRefuse: '메시지를 거부',
  filterModeMask: '단어를 가림 (***)',
  saveSettings: '설정 저장',
  adminDone: '완료했습니다.',
  noRoomsYet: '대화방이 없습니다.',
  reportThresholdLabel: '이만큼의 사람이 신고하면 메시지 숨기기',
  reportThresholdHint: '0: 숨기지 않음. 비우면 서버 기본값.',
  saveWordFilter: '금지어 적용',
  messageActions: '메시지 작업',
  memberActions: (who) => `${who} 님에 대한 작업`,
  actionEdit: '수정',
  actionDelete: '삭제',
  actionReply: '답장',
  actionReact: '반응',
  actionReport: '신고',
  actionMute: '채팅 금지',
  actionUnmute: '채팅 금지 해제',
  actionKick: '내보내기',
  actionBan: '차단',
  actionUnban: '차단 해제',
  actionAppoint: '관리자로 지정',
  actionDismiss: '관리자 해제',
  actionMakeOwner: '방장 넘기기',
  confirmMakeOwner: (user) => `${user} 님에게 방장을 넘길까요? 나는 관리자로 남고, 되돌릴 수 없습니다.`,
  makeOwner: '방장 넘기기',
  claimOwnership: '방장 맡기',
  ownerAway: '방장이 오랫동안 자리를 비웠습니다. 관리자인 내가 방을 맡을 수 있습니다.',
  cancel: '취소',
  save: '저장',
  editLabel: '수정할 내용',
  edited: '(수정됨)',
  notReadBy: (n) => `${n}명 안 읽음`,
  readBy: (n) => `${n}명 읽음`,
  deletedMessage: '삭제된 메시지입니다.',
  replyingTo: (who) => `${who} 님에게 답장`,
  cancelReply: '답장 취소',
  quotedDeleted: '삭제된 메시지',
  reactWith: (emoji) => `${emoji} 반응 남기기`,
  reactionSummary: (emoji, count, names) => `${emoji} ${count}명: ${names.join(', ')}`,
  reasonLabel: '사유',
  durationLabel: '기간',
  forever: '영구',
  minutes: (n) => `${n}분`,
  hours: (n) => `${n}시간`,
  days: (n) => `${n}일`,
  sendReport: '신고 보내기',
  reportSent: '관리자에게 신고했습니다.',
  confirmDelete: '이 메시지를 모두에게서 삭제할까요?',
  moderateTitle: (action, who) => `${action}: ${who}`,
  owner: '방장',
  moderator: '관리자',
  roomSettings: '방 설정',
  reports: '신고 목록',
  bans: '차단 목록',
  auditLog: '관리 기록',
  closePanel: '닫기',
  topicLabel: '주제',
  memberCapLabel: '최대 인원',
  memberCapHint: '동시에 접속할 수 있는 최대 인원입니다. 비우면 제한이 없습니다.',
  slowModeLabel: '슬로 모드 (초)',
  slowModeHint: '한 사람이 이 시간마다 한 번만 보낼 수 있습니다. 0이면 꺼집니다. 방장과 관리자는 제외됩니다.',
  newPasswordLabel: '새 방 비밀번호',
  removePassword: '비밀번호 없애기',
  settingsSaved: '설정을 저장했습니다.',
  noReports: '신고가 없습니다.',
  noBans: '차단된 사람이 없습니다.',
  noAudit: '아직 기록이 없습니다.',
  reportedBy: (who) => `${who} 님이 신고`,
  bannedUntil: (until) => (until === null ? '영구 차단' : `${until}까지 차단`),
  by: (who) => `${who} 님이 처리`,
  loadMore: '더 보기',
  passwordProtected: '비밀번호 있음',
  share: '공유',
  shareTitle: '이 방 공유하기',
  searchToggle: '검색',
  searchTitle: '이 방에서 검색',
  searchQueryLabel: '이 방에서 찾기',
  searchSubmit: '검색',
  searching: '검색 중…',
  searchNoResults: '일치하는 메시지가 없습니다.',
  searchMore: '결과 더 보기',
  searchFurtherBack: '최근 메시지에는 없습니다. 더 이전 메시지에서 찾기',
  searchResultsLabel: '검색 결과',
  shareLinkLabel: '방 링크',
  copyLink: '링크 복사',
  linkCopied: '링크를 복사했습니다.',
  copyFailed: '복사하지 못했습니다. 선택된 링크를 직접 복사하세요.',
  shareVia: '다른 앱으로 공유…',
  shareQrLabel: '방 링크 QR 코드',
  joiningBefore: '',
  joiningAfter: ' 방에 들어갑니다',
  jumpToLatest: '최신 메시지로',
  newSinceYouLeft: '나간 뒤 새 메시지',
  notifyMentions: '멘션 알림 받기',
  notifyMentionsOn: '멘션 알림 켜짐',
  notifyDenied: '브라우저가 이 사이트의 알림을 막고 있습니다.',
  mentionNotice: (who, room) => `${who} 님이 ${room}에서 나를 언급했습니다`,
  myRoomsTitle: '내 대화방',
  leave: '나가기',
  leaveRoom: (room) => `${room} 나가기`,
  mentionsOfMe: (n) => `나를 언급 ${n}`,
  slowModeOn: (seconds) => `슬로 모드: ${seconds}초에 한 번`,
  memberCapShown: (n) => `최대 ${n}명 접속`,
  roomPasswordLabel: '방 비밀번호',
  enterRoom: '들어가기',
  passwordNeeded: '비밀번호가 있는 방입니다.',
  rejoin: '다시 들어가기',
  approveNewcomersLabel: '새로 온 사람은 승인 후 글쓰기',
  approvalNeeded: '처음 오셨네요: 이 방은 관리자가 승인한 뒤에 글을 쓸 수 있습니다. 그동안 읽을 수 있습니다.',
  approvalAsked: '글쓰기 승인을 요청했습니다. 아직 답이 없습니다.',
  approvalDenied: '관리자가 이 방에서의 글쓰기를 거절했습니다.',
  askToPost: '글쓰기 승인 요청',
  actionApprove: '글쓰기 승인',
  actionDeny: '거절',
  approvalRule: '새로 온 사람은 승인 필요',
  banScopeLegend: '차단 범위',
  banScopeAddress: '이 신원과 네트워크',
  banScopeIdentity: '이 신원만',
  banScopeHint:
    '네트워크까지 차단하면 같은 연결에서 새로 만든 신원도 막습니다. 공유 네트워크(집, 학교, 이동통신사)라면 그 네트워크의 모든 사람이 막힙니다.',
  identitiesFromAddress: (n) => `이 주소에서 본 신원 ${n}개`,
  banScopeShown: (scope) => (scope === 'address' ? '신원과 네트워크' : '신원만'),
  cooldownLabel: '내보내는 시간',
  noCooldown: '대기 없음 (바로 다시 들어올 수 있음)',
  kickedUntil: (time) => `관리자가 이 방에서 내보냈습니다. ${time}에 다시 들어올 수 있습니다.`,
  newcomerMinutesLabel: '새 신원 대기 시간 (분)',
  newcomerMinutesHint:
    '이보다 새로운 신원은 읽을 수만 있고 쓸 수는 없습니다. 0이면 꺼집니다. 방장과 관리자는 제외됩니다.',
  newcomerMessagesLabel: '새로 온 사람이 먼저 지켜볼 메시지 수',
  newcomerMessagesHint: '들어온 뒤 이 방에서 이만큼의 메시지가 오가면 쓸 수 있습니다. 0이면 꺼집니다.',
  newcomerWait: (minutes, messages) => {
    const parts = [
      ...(minutes === undefined ? [] : [`${Math.max(1, minutes)}분 뒤`]),
      ...(messages === undefined ? [] : [`메시지 ${messages}개가 더 오간 뒤`]),
    ];
    return `처음 오셨네요: 지금은 읽을 수 있고, ${parts.join(' 그리고 ')}에 쓸 수 있습니다.`;
  },
  newcomerRules: (minutes, messages) =>
    `${[
      ...(minutes > 0 ? [`만든 지 ${minutes}분 지난 신원`] : []),
      ...(messages > 0 ? [`메시지 ${messages}개 이후`] : []),
    ].join(', ')}부터 쓸 수 있음`,
  tryAgain: '다시 시도',
  unread: (n) => `안 읽음 ${n}`,
  mentionedYou: (who) => `${who} 님이 나를 언급했습니다`,
  dismiss: '닫기',
  identityLink: '내 정보',
  identityTitle: '내 신원',
  identityIntro:
    '계정도 비밀번호도 없습니다. 이 브라우저가 내 신원을 갖고 있습니다. 복구 코드를 보관하고, 다른 기기를 연결하거나, 새 사람으로 다시 시작할 수 있습니다.',
  renameTitle: '닉네임',
  renameHint:
    '이름을 바꿔도 같은 사람입니다. 방, 역할, 기록은 그대로 내 것입니다. 이제부터 새 이름으로 보이고, 이전 메시지는 보낼 때의 이름을 유지합니다.',
  newNicknameLabel: '새 닉네임',
  rename: '이름 바꾸기',
  renamed: (who) => `이제 ${who}입니다.`,
  recoveryTitle: '복구 코드',
  recoveryHint:
    '이 코드가 있으면 이 브라우저가 없어져도 어느 브라우저에서든 다시 내가 될 수 있습니다. 한 번만 보여 주니 적어 두거나 비밀번호 관리자에 보관하세요.',
  recoveryNone: '아직 복구 코드가 없습니다.',
  recoveryMade: (when) => `복구 코드를 ${when}에 만들었습니다. 새로 만들면 이전 코드는 쓸 수 없습니다.`,
  createRecoveryCode: '복구 코드 만들기',
  replaceRecoveryCode: '복구 코드 새로 만들기',
  recoveryCodeShown: '복구 코드입니다. 다시 보여 주지 않습니다:',
  recoveryCodeLabel: '복구 코드',
  linkTitle: '다른 기기 연결',
  linkHint: '여기에 일회용 코드를 띄우고, 몇 분 안에 다른 기기에서 입력하거나 QR 코드를 스캔하세요.',
  showLinkCode: '연결 코드 보기',
  linkCodeLabel: '연결 코드',
  linkCodeExpires: (time) => `한 번만, ${time}까지 쓸 수 있습니다.`,
  linkQrLabel: '다른 기기 연결용 QR 코드',
  haveCodeTitle: '전에 쓰던 신원이 있나요?',
  haveCodeHint: '복구 코드나 다른 기기에 표시된 연결 코드를 입력하세요.',
  codeLabel: '복구 또는 연결 코드',
  useCode: '코드 사용',
  switchIdentityWarning: '여기서 코드를 쓰면 이 브라우저는 지금 신원 대신 그 신원이 됩니다.',
  signOutOthersTitle: '다른 기기 로그아웃',
  signOutOthersHint:
    '이 신원을 쓰는 다른 모든 브라우저가 바로 로그아웃되고, 지금까지 만든 복구 코드와 연결 코드도 쓸 수 없게 됩니다. 이 브라우저는 그대로입니다.',
  signOutOthers: '다른 기기 로그아웃',
  signedOutOthers:
    '다른 기기를 로그아웃했습니다. 지금까지 만든 복구 코드와 연결 코드는 더 이상 쓸 수 없으니 복구 코드를 새로 만드세요.',
  startOverTitle: '새로 시작',
  startOverHint: '새 닉네임으로 새 사람이 됩니다. 지금 신원은 남지만 복구 코드로만 되찾을 수 있습니다.',
  startOver: '새 사람으로 다시 시작',
  startOverConfirm: '새로 시작',
  startOverLoses: (n) => (n === 1 ? '이 방에서의 역할을 잃습니다:' : `이 ${n}개 방에서의 역할을 잃습니다:`),
  startOverLosesNothing: '어느 방에서도 역할이 없습니다.',
  startOverRole: (role) => (role === 'owner' ? '방장' : '관리자'),
  notice: (e) => {
    const why = (reason: string | null): string => (reason === null ? '' : ` (${reason})`);
    switch (e.type) {
      case 'room.updated':
        return e.changes.length === 0
          ? `${e.by} 님이 방 설정을 바꿨습니다`
          : `${e.by} 님이 방 설정을 바꿨습니다: ${e.changes.map(koChange).join(', ')}`;
      case 'message.deleted':
        return `${e.by} 님이 ${e.author} 님의 메시지를 삭제했습니다`;
      case 'member.muted':
        return `${e.by} 님이 ${e.user} 님을 ${e.until}까지 채팅 금지했습니다${why(e.reason)}`;
      case 'member.unmuted':
        return `${e.by} 님이 ${e.user} 님의 채팅 금지를 풀었습니다`;
      case 'room.closed':
        return `${e.by} 님이 방을 닫았습니다${why(e.reason)}`;
      case 'room.reopened':
        return `${e.by} 님이 방을 다시 열었습니다`;
      case 'member.kicked':
        return `${e.by} 님이 ${e.user} 님을 ${e.until === null ? '' : `${e.until}까지 `}내보냈습니다${why(e.reason)}`;
      case 'member.banned':
        return `${e.by} 님이 ${e.user} 님을 ${e.until === null ? '영구' : `${e.until}까지`} 차단했습니다${why(e.reason)}`;
      case 'member.unbanned':
        return `${e.by} 님이 ${e.user} 님의 차단을 풀었습니다`;
      case 'member.asked':
        return `${e.user} 님이 글쓰기 승인을 요청했습니다`;
      case 'member.approved':
        return `${e.by} 님이 ${e.user} 님의 글쓰기를 승인했습니다`;
      case 'member.denied':
        return `${e.by} 님이 ${e.user} 님의 글쓰기 요청을 거절했습니다`;
      case 'moderator.added':
        return `${e.by} 님이 ${e.user} 님을 관리자로 지정했습니다`;
      case 'moderator.removed':
        return `${e.by} 님이 ${e.user} 님을 관리자에서 해제했습니다`;
      case 'owner.changed':
        return e.claimed
          ? `${e.owner} 님이 방장 자리를 넘겨받았습니다: ${e.previous} 님이 오래 자리를 비워 관리자가 되었습니다`
          : `${e.previous} 님이 ${e.owner} 님에게 방장을 넘기고 관리자가 되었습니다`;
      case 'message.pinned':
        return `${e.by} 님이 ${e.author} 님의 메시지를 고정했습니다`;
      case 'message.unpinned':
        return `${e.by} 님이 메시지 고정을 해제했습니다`;
      case 'notice.changed':
        return e.set ? `${e.by} 님이 공지를 등록했습니다` : `${e.by} 님이 공지를 내렸습니다`;
      default: {
        const unreachable: never = e;
        return unreachable;
      }
    }
  },
  slowModeWait: (seconds) => `슬로 모드: ${seconds}초 후에 다시 보낼 수 있습니다`,
  youAreMuted: (time) => `${time}까지 이 방에서 채팅이 금지되었습니다.`,
  dismissReports: '신고 기각',
  banReportAuthor: '작성자 차단',
  manage: '관리',
  showWholeTopic: '주제 전체 보기',
  noticeLabel: '공지',
  showWholeNotice: '공지 전체 보기',
  noticeEditorLabel: '방 공지 (방 맨 위에 모두에게 보입니다)',
  noticeSave: '공지 등록',
  noticeRemove: '공지 내리기',
  noticeSaved: '공지를 저장했습니다.',
  noticeRemoved: '공지를 내렸습니다.',
  pinsButton: (n) => `📌 고정 ${n}`,
  pinsTitle: '고정된 메시지',
  noPins: '고정된 메시지가 없습니다.',
  pinnedBy: (name) => `${name} 님이 고정`,
  actionPin: '고정',
  actionUnpin: '고정 해제',
  jumpToPinned: (author) => `${author} 님의 고정된 메시지로 이동`,
  auditHidden: (n) => (n === null ? '신고로 메시지가 가려졌습니다' : `신고 ${n}건으로 메시지가 가려졌습니다`),
  auditRestored: (by) => `${by} 님이 신고를 기각하고 메시지를 다시 보이게 했습니다`,
  auditEdited: (by) => `${by} 님이 메시지를 수정했습니다`,
  auditDeleted: (by, author) =>
    author === null ? `${by} 님이 메시지를 삭제했습니다` : `${by} 님이 ${author} 님의 메시지를 삭제했습니다`,
  error: (code) =>
    ({
      invalid_nickname:
        '사용할 수 없는 닉네임입니다. 한 가지 문자 체계의 글자, 숫자, 문장 부호, 이모지로 1–32자를 쓰세요. #과 보이지 않는 문자는 쓸 수 없습니다.',
      nickname_reserved: '예약된 닉네임입니다. 다른 닉네임을 고르세요.',
      nickname_unavailable: '지금 그 닉네임을 쓰는 사람이 너무 많습니다. 다른 닉네임을 고르세요.',
      unsafe_text: '메시지에 내용을 가리는 방향 제어 문자나 겹친 발음 기호가 있습니다.',
      invalid_room: '사용할 수 없는 방 이름입니다.',
      room_not_found: '존재하지 않는 대화방입니다.',
      message_too_long: '메시지가 너무 깁니다.',
      rate_limited: '잠시 후 다시 시도하세요.',
      unauthorized: '세션이 만료되었습니다. 닉네임을 다시 정하세요.',
      network: '서버에 연결할 수 없습니다. 네트워크를 확인하세요.',
      forbidden: '이 방에서 그 작업을 할 권한이 없습니다.',
      muted: '이 방에서 채팅이 금지되었습니다.',
      banned: '이 방에서 차단되었습니다.',
      kicked: '관리자가 이 방에서 내보냈습니다. 다시 들어갈 수 있습니다.',
      newcomer_wait: '처음 오셨네요: 읽을 수는 있지만 아직 쓸 수는 없습니다.',
      slow_mode: '슬로 모드입니다. 잠시 후 다시 보내세요.',
      room_full: '지금은 방이 가득 찼습니다. 나중에 다시 시도하세요.',
      wrong_password: '방 비밀번호가 맞지 않습니다.',
      too_many_attempts: '비밀번호를 너무 많이 시도했습니다. 잠시 후 다시 시도하세요.',
      server_busy: '서버가 바쁩니다. 잠시 후 다시 시도하세요.',
      not_joined: '먼저 방에 들어가세요.',
      edit_window_closed: '수정하거나 삭제할 수 있는 시간이 지났습니다.',
      message_not_found: '그 메시지는 더 이상 없습니다.',
      too_many_reactions: '그 반응은 더 달 수 없습니다. 내 반응 하나를 빼거나 이미 달린 이모지를 고르세요.',
      too_many_pins: '이 방에는 더 고정할 수 없습니다. 고정된 메시지 하나를 먼저 해제하세요.',
      not_muted: '그 사람은 채팅 금지 상태가 아닙니다.',
      not_banned: '그 사람은 차단 상태가 아닙니다.',
      invalid_request: '요청이 받아들여지지 않았습니다.',
      invalid_code: '쓸 수 없는 코드입니다. 틀렸거나, 이미 썼거나, 바뀌었거나, 만료되었습니다.',
      room_closed: '운영자가 이 방을 닫았습니다.',
      word_filtered: '이 방이나 서버에서 허용하지 않는 단어가 들어 있습니다.',
      not_operator: '운영자 비밀 키가 맞지 않습니다.',
      server_banned: '이 서버에서 차단되었습니다.',
    })[code] ?? '문제가 생겼습니다. 다시 시도하세요.',
};

export function pickLocale(languages: readonly string[]): Locale {
  for (const language of languages) {
    const primary = language.toLowerCase().split('-')[0];
    if (primary === 'ko') return 'ko';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

export function stringsFor(locale: Locale): Strings {
  return locale === 'ko' ? ko : en;
}
