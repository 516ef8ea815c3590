import { Box, Text } from 'ink';
import { type EventMark, type ServerCounts, metrics, regroup } from './metrics.js';
import { sparkline } from './sparkline.js';

export interface MetricsStripProps {
  readonly marks: readonly EventMark[];
  readonly now: number;
  readonly width: number;
  /** The server's own invocation counts (`/v1/stats`), when it has them. */
  readonly server?: ServerCounts | undefined;
}

const GAP = 2;
const SPARKLINES = 4;

/** invocations/s, tasks done/min, jobs/s, p50/p99 and errors over the last minute, on one line. */
export function MetricsStrip({ marks, now, width, server }: MetricsStripProps) {
  // One value and one bucket per second each; the sparklines regroup them to the room left.
  const shown = metrics(marks, now, 60, undefined, server);
  const fixed = shown.reduce((n, m) => n + m.label.length + 1 + Math.max(4, m.value.length) + 1, 0) + GAP * (shown.length - 1);
  const sparkWidth = Math.max(0, Math.min(30, Math.floor((width - fixed) / SPARKLINES)));
  return (
    <Box width={width} height={1} overflow="hidden" columnGap={GAP}>
      {shown.map((m) => (
        <Box key={m.label} flexShrink={0}>
          <Text wrap="truncate">
            <Text dimColor>{m.label} </Text>
            <Text bold {...(m.label === 'errors' && m.value !== '0' ? { color: 'red' } : {})}>{m.value.padStart(4)}{m.series ? ' ' : ''}</Text>
            {m.series && sparkWidth > 0 ? <Text color={m.label === 'errors' ? 'red' : 'cyan'}>{sparkline(regroup(m.series, sparkWidth), sparkWidth)}</Text> : null}
          </Text>
        </Box>
      ))}
    </Box>
  );
}
