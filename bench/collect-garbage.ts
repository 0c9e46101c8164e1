// Preloaded into every Node server the benchmark starts (`node --expose-gc --import …`): on SIGUSR2 it
// runs a full garbage collection and says so on stdout. `idle` collects before each memory reading,
// so bytes per connection count what the connections hold, not the garbage their handshakes left
// (which, uncollected, moved the figure by ±1.5 KiB between runs of the same build).
const collect = (globalThis as { gc?: () => void }).gc;

if (collect !== undefined) {
  process.on('SIGUSR2', () => {
    // Twice: the first pass can leave objects whose finalizers or weak callbacks free more.
    collect();
    collect();
    process.stdout.write(`${JSON.stringify({ msg: GARBAGE_COLLECTED })}\n`);
  });
}

export const GARBAGE_COLLECTED = 'bench: garbage collected';
