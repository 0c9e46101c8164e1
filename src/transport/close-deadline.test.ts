import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { CloseDeadline } from './close-deadline.js';

describe('CloseDeadline', () => {
  it('destroys a socket that has not closed within the timeout', () => {
    const clock = new ManualClock(0);
    const socket = new EventEmitter();
    let destroyed = 0;
    void new CloseDeadline({ clock, closeTimeoutMs: 1000 }).watch(socket, () => {
      destroyed += 1;
    });
    clock.advance(999);
    expect(destroyed).toBe(0);
    clock.advance(1);
    expect(destroyed).toBe(1);
  });

  it('leaves a socket that closed in time alone and resolves on its close', async () => {
    const clock = new ManualClock(0);
    const socket = new EventEmitter();
    let destroyed = 0;
    const closed = new CloseDeadline({ clock, closeTimeoutMs: 1000 }).watch(socket, () => {
      destroyed += 1;
    });
    clock.advance(500);
    socket.emit('close');
    await closed;
    clock.advance(5000);
    expect(destroyed).toBe(0);
  });

  it('waits 5000 ms when the listener options give no timeout', () => {
    const clock = new ManualClock(0);
    let destroyed = 0;
    void new CloseDeadline({ clock }).watch(new EventEmitter(), () => {
      destroyed += 1;
    });
    clock.advance(4999);
    expect(destroyed).toBe(0);
    clock.advance(1);
    expect(destroyed).toBe(1);
  });
});
