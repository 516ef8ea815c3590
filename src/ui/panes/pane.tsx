import { Box, Text } from 'ink';
import { fitTable } from '../format.js';
import { type PaneView, scrollStart } from './views.js';

export interface PaneProps {
  readonly view: PaneView;
  readonly width: number;
  readonly height: number;
  readonly focused: boolean;
  readonly selected: number;
  /** The rows were filtered by this (said in the title, and in the empty text). */
  readonly filter: string;
  /** Without colors (NO_COLOR, --no-color) reverse video is gone too: a › marks the selected row. */
  readonly color?: boolean | undefined;
}

/** A bordered table of one pane: title, headers, the rows that fit (the selected one highlighted). */
export function Pane({ view, width, height, focused, selected, filter, color = true }: PaneProps) {
  const mark = color ? 0 : 2;
  const inner = Math.max(0, width - 4 - mark);
  const chrome = 2 + 1 + (view.summary ? 1 : 0) + 1;
  const visible = Math.max(0, height - chrome);
  const start = scrollStart(selected, visible, view.rows.length);
  const shown = view.rows.slice(start, start + visible);
  const { header, lines } = fitTable(view.headers, shown.map((r) => r.cells), inner);
  const more = view.rows.length > visible ? ` ${start + 1}-${start + shown.length}/${view.rows.length}` : '';
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} paddingX={1} overflow="hidden">
      <Text bold {...(focused ? { color: 'cyan' } : {})} wrap="truncate">{view.title}{filter ? ` /${filter}` : ''}{more}</Text>
      {view.summary ? <Text dimColor wrap="truncate">{view.summary}</Text> : null}
      {view.rows.length === 0 ? (
        <Text dimColor wrap="truncate">{filter ? `Nothing matches “${filter}”.` : view.empty}</Text>
      ) : (
        <>
          <Text dimColor wrap="truncate">{' '.repeat(mark)}{header}</Text>
          {lines.map((l, i) => {
            const on = focused && start + i === selected;
            return <Text key={shown[i]?.key ?? i} inverse={on && color} wrap="truncate">{color ? '' : on ? '› ' : '  '}{l.padEnd(inner)}</Text>;
          })}
        </>
      )}
    </Box>
  );
}
