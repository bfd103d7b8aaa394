/**
 * The whole deployment as constructs: the home stack and one worker stack per configured region.
 * infra/app.ts (the CDK app) and the assertion tests both build it from here.
 */
import type { App } from 'aws-cdk-lib';
import type { FunctionBundles } from './bundles.ts';
import { names, type VigilConfig } from './config.ts';
import { HomeStack } from './stacks/home-stack.ts';
import { WorkerStack } from './stacks/worker-stack.ts';

export interface VigilStacks {
  home: HomeStack;
  /** By region, in the configuration's order (the home region first). */
  workers: Map<string, WorkerStack>;
}

export function createVigilStacks(app: App, config: VigilConfig, bundles: FunctionBundles): VigilStacks {
  const home = new HomeStack(app, names.homeStack(config), {
    config, bundles,
    description: `Vigil ${config.name}: database, scheduler, result processor, event bus, REST and WebSocket APIs (home region ${config.homeRegion})`,
  });
  const workers = new Map<string, WorkerStack>();
  for (const region of config.workerRegions) {
    const worker = new WorkerStack(app, names.workerStack(config, region), {
      config, region, bundles,
      description: `Vigil ${config.name}: check queue and workers in ${region}`,
    });
    // Workers send to the home region's results queue: deploy it first (`cdk deploy --all`).
    // Only an ordering: the stacks share no references, so each deploys and rolls back alone.
    worker.addStackDependency(home);
    workers.set(region, worker);
  }
  return { home, workers };
}
