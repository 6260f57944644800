import { Inject, Injectable } from '@nestjs/common';
import { AggregateRepository, EventStore } from '@lib/eventstore';
import { EVENT_STORE } from '@lib/service-kit';
import { OrgDirectoryCommand, orgDirectoryDecider, OrgDirectoryEvent, OrgDirectoryState, orgDirectoryStream } from './org-directory.decider';

/** the organizations, members and resources as app-packaging learned them from organization's events */
@Injectable()
export class OrgDirectoryRepository extends AggregateRepository<OrgDirectoryCommand, OrgDirectoryEvent, OrgDirectoryState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(store, orgDirectoryDecider, orgDirectoryStream, { cacheSize: 20_000 });
  }
}
