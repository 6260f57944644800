import { Decider, assertNever } from '@lib/eventstore';
import { AppCommand, isAppDeliveryCommand, isAppVersionCommand } from './app.commands';
import { AppEvent } from './app.events';
import { AppState, evolveApp, initialAppState } from './app.state';
import { decideDelivery } from './app.delivery';
import { decideVersions } from './app.versions';

export type { AppCommand, AppDeliveryCommand, AppVersionCommand, ImportSettings } from './app.commands';
export type { AppState } from './app.state';
export { appStatus, evolveApp, initialAppState, unmetRequirements } from './app.state';

/** the dispatcher: each command group is decided in its own file; a command of no group does not compile */
export function decideApp(command: AppCommand, state: AppState): AppEvent[] {
  if (isAppVersionCommand(command)) return decideVersions(command, state);
  if (isAppDeliveryCommand(command)) return decideDelivery(command, state);
  return assertNever(command);
}

export const appDecider: Decider<AppCommand, AppEvent, AppState> = {
  initialState: initialAppState,
  evolve: evolveApp,
  decide: decideApp,
};
