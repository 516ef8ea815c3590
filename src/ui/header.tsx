import { Box, Text } from 'ink';
import type { Connection, ServerInfo } from './model.js';
import { clip, duration, latency } from './format.js';

export interface HeaderProps {
  readonly source: string;
  readonly town: string | undefined;
  readonly connection: Connection;
  readonly server: ServerInfo & { readonly at?: number | undefined };
  readonly now: number;
  readonly width: number;
}

const CONNECTION: Record<Connection, { readonly text: string; readonly color: string }> = {
  connecting: { text: '○ connecting…', color: 'gray' },
  live: { text: '● live', color: 'green' },
  reconnecting: { text: '◌ reconnecting…', color: 'yellow' },
};

/** Server, uptime, town, store, auth, readiness and whether the event stream is connected: one line. */
export function Header({ source, town, connection, server, now, width }: HeaderProps) {
  const uptime = server.uptimeSecs === undefined ? undefined : server.uptimeSecs + (server.at === undefined ? 0 : Math.max(0, now - server.at) / 1000);
  const parts = [
    `town ${town ?? '…'}`,
    ...(uptime === undefined ? [] : [`up ${duration(uptime)}`]),
    ...(server.dispatcher === undefined ? [] : [`dispatcher ${server.dispatcher}`]),
    ...(server.store === undefined ? [] : [`${server.store}${server.storeLatencyMs === undefined ? '' : ` ${latency(server.storeLatencyMs)}`}`]),
    ...(server.auth === undefined ? [] : [`auth ${server.auth}`]),
  ];
  const conn = CONNECTION[connection];
  const right = `  ${conn.text}`;
  const left = `taho ${parts.join(' · ')} · `;
  const room = Math.max(0, width - left.length - right.length);
  return (
    <Box width={width}>
      <Text bold>{left}</Text>
      <Text color="cyan">{clip(source, room).padEnd(room)}</Text>
      <Text color={conn.color}>{right}</Text>
    </Box>
  );
}
