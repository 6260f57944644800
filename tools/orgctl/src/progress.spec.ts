import { formatDuration, ProgressBar } from './progress';

function output(isTTY: boolean, columns = 200) {
  const out = { text: '', isTTY, columns, write: (s: string) => (out.text += s) };
  return out;
}

describe('progress bar', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('--:--');
  });

  it('redraws one line in place on a TTY, throttled, with counts, rate and time left', () => {
    let t = 0;
    const out = output(true);
    const bar = new ProgressBar(out, 'rebuild organization', { now: () => t, redrawMs: 100 });
    bar.start(1000);
    t = 1000;
    bar.update(250, 250);
    t = 1050;
    bar.update(300, 300); // within 100 ms of the last draw: not drawn
    t = 2000;
    bar.update(500, 500);
    bar.finish();
    const frames = out.text.split('\r').filter(Boolean);
    expect(frames).toEqual([
      'rebuild organization [>                       ]   0% 0/1,000 events, 0 events/s, --:-- left\x1b[K',
      'rebuild organization [======>                 ]  25% 250/1,000 events, 250 events/s, 0:03 left\x1b[K',
      'rebuild organization [============>           ]  50% 500/1,000 events, 250 events/s, 0:02 left\x1b[K',
      'rebuild organization [============>           ]  50% 500/1,000 events, 250 events/s, 0:02 left\x1b[K\n',
    ]);
  });

  it('prints plain periodic lines elsewhere', () => {
    let t = 0;
    const out = output(false);
    const bar = new ProgressBar(out, 'rebuild organization', { now: () => t, lineEveryMs: 2000 });
    bar.start(10_000);
    for (t = 500; t <= 5000; t += 500) bar.update(t, t);
    t = 5000;
    bar.update(10_000, 10_000);
    bar.finish();
    expect(out.text).toBe(
      [
        'rebuild organization: 20% 2,000/10,000 events, 1,000 events/s, 0:08 left',
        'rebuild organization: 40% 4,000/10,000 events, 1,000 events/s, 0:06 left',
        'rebuild organization: 100% 10,000/10,000 events, 2,000 events/s, 0:00 left',
        '',
      ].join('\n'),
    );
  });

  it('cuts the TTY line to the terminal width', () => {
    const out = output(true, 30);
    new ProgressBar(out, 'rebuild organization', { now: () => 0 }).start(10);
    expect(out.text).toBe(`\r${'rebuild organization [>                       ]'.slice(0, 29)}\x1b[K`);
  });
});
