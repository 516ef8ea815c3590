import { Box, Text } from 'ink';
import { cut } from './format.js';

export interface HelpLineProps {
  readonly width: number;
  readonly filtering: boolean;
  readonly filter: string;
  readonly question: string | undefined;
  readonly notice: string | undefined;
  readonly error: string | undefined;
}

export const HELP = 'tab/←→ pane  ↑↓ row  enter details  e explain  k kill/stop  / filter  r refresh  q quit';

/** The bottom line: the filter being typed, a y/n question, a notice or error, else the keys. */
export function HelpLine({ width, filtering, filter, question, notice, error }: HelpLineProps) {
  if (question) return <Box width={width}><Text color="yellow" bold wrap="truncate">{question}</Text></Box>;
  if (filtering) return <Box width={width}><Text wrap="truncate">filter: <Text color="cyan">{filter}</Text>▏ <Text dimColor>(enter keeps, esc clears)</Text></Text></Box>;
  if (error) return <Box width={width}><Text color="red" wrap="truncate">{cut(error, width)}</Text></Box>;
  if (notice) return <Box width={width}><Text color="yellow" wrap="truncate">{cut(notice, width)}</Text></Box>;
  return <Box width={width}><Text dimColor wrap="truncate">{cut(HELP, width)}</Text></Box>;
}
