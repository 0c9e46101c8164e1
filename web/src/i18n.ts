// UI text in English and Korean, picked from the browser's language list. The three field labels the
// contract keeps stable (Nickname, Room name, Message) stay findable in every locale: Korean shows
// both words. Pure: the caller passes navigator.languages in.

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
  readonly changeNickname: string;
  readonly allRooms: string;
  readonly members: (n: number) => string;
  readonly logLabel: string;
  readonly messageLabel: string;
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
  readonly error: (code: string) => string;
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
  changeNickname: 'Change nickname',
  allRooms: 'All rooms',
  members: (n) => `Online now (${n})`,
  logLabel: 'Conversation',
  messageLabel: 'Message',
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
  error: (code) =>
    ({
      invalid_nickname: 'That nickname is not allowed. Use 1–32 letters, digits, punctuation or emoji.',
      invalid_room: 'That room name is not allowed.',
      room_not_found: 'This room does not exist.',
      message_too_long: 'The message is too long.',
      rate_limited: 'Slow down a little and try again.',
      unauthorized: 'Your session expired. Pick a nickname again.',
      network: 'The server cannot be reached. Check your connection.',
    })[code] ?? 'Something went wrong. Please try again.',
};

const ko: Strings = {
  appName: 'Parley',
  skipToContent: '본문으로 건너뛰기',
  nicknameTitle: '닉네임을 정하세요',
  nicknameHint: '가입도 비밀번호도 없습니다. 다른 사람에게는 닉네임#1234로 보입니다.',
  nicknameLabel: '닉네임 (Nickname)',
  continue: '계속',
  roomsTitle: '대화방',
  searchLabel: '대화방 검색',
  roomNameLabel: '방 이름 (Room name)',
  createRoom: '방 만들기',
  createHint: 'Enter를 누르면 방을 만들고 들어갑니다.',
  moreRooms: '대화방 더 보기',
  noRooms: '아직 대화방이 없습니다. 첫 방을 만들어 보세요.',
  noMatches: '검색과 일치하는 대화방이 없습니다.',
  online: (n) => `${n}명 접속 중`,
  lastActive: (relative) => `${relative} 활동`,
  noActivity: '아직 메시지 없음',
  youAre: '내 이름',
  changeNickname: '닉네임 바꾸기',
  allRooms: '모든 대화방',
  members: (n) => `지금 접속 중 (${n})`,
  logLabel: '대화 내용',
  messageLabel: '메시지 (Message)',
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
  error: (code) =>
    ({
      invalid_nickname: '사용할 수 없는 닉네임입니다. 1–32자의 글자, 숫자, 문장 부호, 이모지를 쓰세요.',
      invalid_room: '사용할 수 없는 방 이름입니다.',
      room_not_found: '존재하지 않는 대화방입니다.',
      message_too_long: '메시지가 너무 깁니다.',
      rate_limited: '잠시 후 다시 시도하세요.',
      unauthorized: '세션이 만료되었습니다. 닉네임을 다시 정하세요.',
      network: '서버에 연결할 수 없습니다. 네트워크를 확인하세요.',
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
