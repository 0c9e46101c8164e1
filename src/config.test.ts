import { describe, expect, it } from 'vitest';
import { problems, problemVariables } from '../test/fixtures/config-fixtures.js';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: './data',
      databaseUrl: undefined,
      redisUrl: undefined,
      jwtSecret: undefined,
      stompPort: 61613,
      logLevel: 'info',
      allowedOrigins: [],
    });
    expect(config.limits.maxFrameBytes).toBe(65_536);
    expect(config.limits.messageMaxChars).toBe(4000);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('reads every contract variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      DATA_DIR: '/var/lib/parley',
      DATABASE_URL: 'postgres://parley@db/parley',
      REDIS_URL: 'redis://cache:6379',
      JWT_SECRET: 's'.repeat(32),
      STOMP_PORT: '0',
      LOG_LEVEL: 'debug',
      ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      dataDir: '/var/lib/parley',
      databaseUrl: 'postgres://parley@db/parley',
      redisUrl: 'redis://cache:6379',
      stompPort: 0,
      logLevel: 'debug',
      allowedOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('lets a room owner be away OWNER_ABSENCE_DAYS (default 30, 1 to 3650) before a claim', () => {
    expect(loadConfig({}).limits.ownerAbsenceDays).toBe(30);
    expect(loadConfig({ OWNER_ABSENCE_DAYS: '7' }).limits.ownerAbsenceDays).toBe(7);
    expect(problemVariables(problems({ OWNER_ABSENCE_DAYS: '0' }))).toEqual(['OWNER_ABSENCE_DAYS']);
    expect(problemVariables(problems({ OWNER_ABSENCE_DAYS: '3651' }))).toEqual(['OWNER_ABSENCE_DAYS']);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 8080, databaseUrl: undefined });
  });

  it('names every bad variable at once', () => {
    const found = problems({
      PORT: 'eighty',
      JWT_SECRET: 'short',
      DATABASE_URL: 'mysql://x',
      LOG_LEVEL: 'loud',
      ALLOWED_ORIGINS: 'not a url',
      MAX_FRAME_BYTES: '10',
    });
    expect(problemVariables(found)).toEqual([
      'ALLOWED_ORIGINS',
      'DATABASE_URL',
      'JWT_SECRET',
      'LOG_LEVEL',
      'MAX_FRAME_BYTES',
      'PORT',
    ]);
    expect(found.find((p) => p.startsWith('JWT_SECRET'))).toContain('at least 32 bytes');
    expect(found.find((p) => p.startsWith('PORT'))).toContain('"eighty"');
    // Credentials are not echoed back.
    expect(found.join('\n')).not.toContain('short');
    expect(found.join('\n')).not.toContain('mysql://x');
  });

  it('reads the pin and notice limits, with their defaults and bounds', () => {
    expect(loadConfig({}).limits).toMatchObject({ maxPinsPerRoom: 5, noticeMaxChars: 500 });
    expect(loadConfig({ MAX_PINS_PER_ROOM: '2', NOTICE_MAX_CHARS: '40' }).limits).toMatchObject({
      maxPinsPerRoom: 2,
      noticeMaxChars: 40,
    });
    expect(() => loadConfig({ MAX_PINS_PER_ROOM: '0' })).toThrow(/MAX_PINS_PER_ROOM/);
    expect(() => loadConfig({ NOTICE_MAX_CHARS: '10001' })).toThrow(/NOTICE_MAX_CHARS/);
  });

  it('reads the ban limits, with their defaults and bounds', () => {
    expect(loadConfig({}).limits).toMatchObject({
      kickCooldownSeconds: 600,
      addressSightingRetentionDays: 30,
      addressSightingRefreshSeconds: 300,
      banAddressWindowHours: 48,
      banAddressMaxHashes: 8,
    });
    expect(
      loadConfig({
        KICK_COOLDOWN_SECONDS: '0',
        ADDRESS_SIGHTING_RETENTION_DAYS: '7',
        ADDRESS_SIGHTING_REFRESH_SECONDS: '60',
        BAN_ADDRESS_WINDOW_HOURS: '24',
        BAN_ADDRESS_MAX_HASHES: '3',
      }).limits,
    ).toMatchObject({
      kickCooldownSeconds: 0,
      addressSightingRetentionDays: 7,
      addressSightingRefreshSeconds: 60,
      banAddressWindowHours: 24,
      banAddressMaxHashes: 3,
    });
    expect(
      problemVariables(
        problems({
          KICK_COOLDOWN_SECONDS: String(8 * 24 * 3600),
          ADDRESS_SIGHTING_RETENTION_DAYS: '0',
          BAN_ADDRESS_MAX_HASHES: '0',
          BAN_ADDRESS_WINDOW_HOURS: 'soon',
        }),
      ),
    ).toEqual([
      'ADDRESS_SIGHTING_RETENTION_DAYS',
      'BAN_ADDRESS_MAX_HASHES',
      'BAN_ADDRESS_WINDOW_HOURS',
      'KICK_COOLDOWN_SECONDS',
    ]);
  });

  it('counts the secret in bytes, not characters', () => {
    expect(problems({ JWT_SECRET: '가'.repeat(11) })).toEqual([]); // 33 bytes
    expect(problems({ JWT_SECRET: '가'.repeat(10) })).toHaveLength(1); // 30 bytes
  });
});
