import { Box, Text } from 'ink';
import { cut } from './format.js';

export interface TextBoxProps {
  readonly title: string;
  readonly status: 'loading' | 'ready' | 'error';
  readonly lines: readonly string[];
  readonly width: number;
  readonly height: number;
}

/** The details or explain box, over the panes; the last lines that fit are shown. */
export function TextBox({ title, status, lines, width, height }: TextBoxProps) {
  const room = Math.max(0, height - 3);
  const body = status === 'loading' ? ['loading…'] : lines.length > room ? lines.slice(0, room) : lines;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={status === 'error' ? 'red' : 'cyan'} paddingX={1} overflow="hidden">
      <Text bold wrap="truncate">{title}  <Text dimColor>(esc closes)</Text></Text>
      {body.map((l, i) => (
        <Text key={i} {...(status === 'error' ? { color: 'red' } : {})} wrap="truncate">{cut(l.replace(/\t/g, '  '), Math.max(0, width - 4)) || ' '}</Text>
      ))}
    </Box>
  );
}
