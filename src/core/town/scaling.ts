import type { Town } from './town.js';

export type ScalingRecommendation = 'scale_up' | 'steady' | 'scale_down' | 'scale_to_zero';

export interface ScalingSignal {
  readonly queue_depth: number;
  readonly pending_tasks: number;
  readonly in_flight_tasks: number;
  readonly active_agents: number;
  readonly cold_agents: number;
  readonly desired_agents: number;
  readonly max_agents: number;
  readonly scaling_recommendation: ScalingRecommendation;
}

/** Tinytown's /api/scaling numbers: desired = min(pending + in flight, max). */
export async function scaling(town: Town, maxAgents: number): Promise<ScalingSignal> {
  const status = await town.status();
  const counts = await town.taskCounts();
  const pending = (counts.pending ?? 0) + (counts.assigned ?? 0);
  const inFlight = counts.running ?? 0;
  const active = status.filter((a) => a.state !== 'Cold' && a.state !== 'Stopped' && a.state !== 'Error').length;
  const cold = status.filter((a) => a.state === 'Cold').length;
  const desired = Math.min(pending + inFlight, maxAgents);
  const recommendation: ScalingRecommendation = desired === 0 && active > 0 && inFlight === 0 ? 'scale_to_zero'
    : desired > active ? 'scale_up' : desired < active ? 'scale_down' : 'steady';
  return {
    queue_depth: status.reduce((n, a) => n + a.inbox_len, 0), pending_tasks: pending, in_flight_tasks: inFlight,
    active_agents: active, cold_agents: cold, desired_agents: desired, max_agents: maxAgents, scaling_recommendation: recommendation,
  };
}
