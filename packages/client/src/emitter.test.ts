import { describe, expect, it } from 'vitest';
import { Emitter } from './emitter.js';

describe('Emitter', () => {
  it('delivers typed payloads until the returned function is called', () => {
    const emitter = new Emitter<{ said: string; count: number }>();
    const heard: string[] = [];
    const off = emitter.on('said', (text) => heard.push(text));
    emitter.emit('said', 'one');
    off();
    emitter.emit('said', 'two');
    expect(heard).toEqual(['one']);
    expect(emitter.listenerCount('said')).toBe(0);
  });

  it('lets every listener hear an event when one throws, then rethrows the first error', () => {
    const emitter = new Emitter<{ said: string }>();
    const heard: string[] = [];
    emitter.on('said', () => {
      throw new Error('first');
    });
    emitter.on('said', (text) => heard.push(text));
    expect(() => emitter.emit('said', 'x')).toThrow('first');
    expect(heard).toEqual(['x']);
  });

  it('once resolves with the next payload only', async () => {
    const emitter = new Emitter<{ count: number }>();
    const next = emitter.once('count');
    emitter.emit('count', 1);
    emitter.emit('count', 2);
    await expect(next).resolves.toBe(1);
    expect(emitter.listenerCount('count')).toBe(0);
  });
});
