import { Injectable } from '@nestjs/common';
import { EventSourcedRepository } from '@lib/service-kit';
import { orgDirectoryDecider, orgDirectoryStream } from './org-directory.decider';

/** the organizations, members and resources as app-packaging learned them from organization's events */
@Injectable()
export class OrgDirectoryRepository extends EventSourcedRepository(orgDirectoryDecider, orgDirectoryStream, { cacheSize: 20_000 }) {}
