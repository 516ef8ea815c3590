import { Box, Text } from 'ink';
import { type EventMark, metrics } from './metrics.js';
import { sparkline } from './sparkline.js';

export interface MetricsStripProps {
  readonly marks: readonly EventMark[];
  readonly now: number;
  readonly width: number;
}

const GAP = 2;
/** Room each metric takes besides its sparkline: label, a space, the value (4) and a space. */
const LABELS = ['events/s', 'tasks done/min', 'jobs/s', 'errors'];
const FIXED = LABELS.reduce((n, l) => n + l.length + 6, 0) + GAP * (LABELS.length - 1);

/** events/s, tasks done/min, jobs/s and errors over the last minute, each with a sparkline, on one line. */
export function MetricsStrip({ marks, now, width }: MetricsStripProps) {
  const sparkWidth = Math.max(0, Math.min(30, Math.floor((width - FIXED) / LABELS.length)));
  const ms = metrics(marks, now, Math.max(1, sparkWidth));
  return (
    <Box width={width} height={1} overflow="hidden" columnGap={GAP}>
      {ms.map((m) => (
        <Box key={m.label} flexShrink={0}>
          <Text wrap="truncate">
            <Text dimColor>{m.label} </Text>
            <Text bold {...(m.label === 'errors' && m.value !== '0' ? { color: 'red' } : {})}>{m.value.padStart(4)} </Text>
            <Text color={m.label === 'errors' ? 'red' : 'cyan'}>{sparkWidth > 0 ? sparkline(m.series, sparkWidth) : ''}</Text>
          </Text>
        </Box>
      ))}
    </Box>
  );
}
