/**
 * AWS clients, created in one place. The SDK modules are imported only when a
 * client is first needed, so `--help` and local commands never load them.
 *
 * Region: `--region`, then the SDK's own chain (AWS_REGION, the profile's
 * region), then the settings' LETSGO_WORKER_REGION. Credentials: the SDK's
 * default chain (`--profile` / AWS_PROFILE, env, SSO, ...). Endpoint: the SDK
 * honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>) by itself.
 */
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { ECRClient } from "@aws-sdk/client-ecr";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { LambdaClient } from "@aws-sdk/client-lambda";
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { STSClient } from "@aws-sdk/client-sts";
import { ServiceError, errorMessage } from "../errors.js";
import { type CallRecorder, recordCalls } from "./calls.js";

export interface AwsOptions {
  /** `--region`; wins over everything. */
  region?: string;
  /** `--profile`; otherwise AWS_PROFILE or the default profile. */
  profile?: string;
  /** LETSGO_WORKER_REGION: used when neither the flag nor the SDK chain names a region. */
  fallbackRegion: string;
  /** Sees every command sent, before it is sent (tests count mutating calls with it). */
  recorder?: CallRecorder;
}

export interface Identity {
  account: string;
  /** `aws`, `aws-cn`, `aws-us-gov`: taken from the caller's ARN. */
  partition: string;
  /** The caller's ARN, when STS was asked (not when the account was read off one of the deployment's own ARNs). */
  arn?: string;
}

interface Clients {
  ecr: ECRClient;
  iam: IAMClient;
  lambda: LambdaClient;
  logs: CloudWatchLogsClient;
  scheduler: SchedulerClient;
  sqs: SQSClient;
  ssm: SSMClient;
  sts: STSClient;
}

type ClientFactory<K extends keyof Clients> = (config: Record<string, unknown>) => Promise<Clients[K]>;

const factories: { [K in keyof Clients]: ClientFactory<K> } = {
  ecr: async (c) => new (await import("@aws-sdk/client-ecr")).ECRClient(c),
  iam: async (c) => new (await import("@aws-sdk/client-iam")).IAMClient(c),
  lambda: async (c) => new (await import("@aws-sdk/client-lambda")).LambdaClient(c),
  logs: async (c) => new (await import("@aws-sdk/client-cloudwatch-logs")).CloudWatchLogsClient(c),
  scheduler: async (c) => new (await import("@aws-sdk/client-scheduler")).SchedulerClient(c),
  // A queue's URL only names the queue: requests go to the client's endpoint, so a URL deploy derives
  // (https://sqs.<region>.<domain>/<account>/<name>) reads the same queue as GetQueueUrl's, behind AWS_ENDPOINT_URL too.
  sqs: async (c) => new (await import("@aws-sdk/client-sqs")).SQSClient({ ...c, useQueueUrlAsEndpoint: false }),
  ssm: async (c) => new (await import("@aws-sdk/client-ssm")).SSMClient(c),
  sts: async (c) => new (await import("@aws-sdk/client-sts")).STSClient(c),
};

export class Aws {
  readonly region: string;
  private readonly profile: string | undefined;
  private readonly recorder: CallRecorder | undefined;
  private readonly made = new Map<keyof Clients, Promise<unknown>>();
  private identityPromise: Promise<Identity> | undefined;

  private constructor(region: string, options: AwsOptions) {
    this.region = region;
    this.profile = options.profile;
    this.recorder = options.recorder;
  }

  /** Resolve the region (which may read the profile's config file) and return the client set. */
  static async connect(options: AwsOptions): Promise<Aws> {
    const fromSdk = options.region === undefined ? await sdkRegion(options.profile) : undefined;
    const region = options.region ?? fromSdk ?? options.fallbackRegion;
    const where = options.region !== undefined ? "--region" : fromSdk !== undefined ? "AWS_REGION (or the profile's region)" : "LETSGO_WORKER_REGION";
    const { checkRegion } = await import("./region.js");
    checkRegion(region, where);
    return new Aws(region, options);
  }

  client<K extends keyof Clients>(name: K): Promise<Clients[K]> {
    let made = this.made.get(name) as Promise<Clients[K]> | undefined;
    if (!made) {
      const config: Record<string, unknown> = { region: this.region };
      if (this.profile) config.profile = this.profile;
      made = factories[name](config).then((client) => {
        if (this.recorder) recordCalls(client, name, this.recorder);
        return client;
      });
      this.made.set(name, made);
    }
    return made;
  }

  /** Account and partition of the caller; every ARN we build derives from them. */
  identity(): Promise<Identity> {
    this.identityPromise ??= (async () => {
      const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
      const sts = await this.client("sts");
      try {
        const out = await sts.send(new GetCallerIdentityCommand({}));
        const arn = out.Arn ?? "";
        return { account: out.Account ?? "", partition: arn.split(":")[1] || "aws", arn };
      } catch (error) {
        throw new ServiceError(
          `Could not reach AWS as any identity (${errorMessage(error)}). Check your credentials (AWS_PROFILE, --profile, aws sso login) and region.`,
          { cause: error },
        );
      }
    })();
    return this.identityPromise;
  }

  /** Close sockets so the process can exit promptly. */
  destroy(): void {
    for (const made of this.made.values()) {
      void made.then((client) => (client as { destroy(): void }).destroy()).catch(() => {});
    }
    this.made.clear();
  }
}

/** The region the SDK's default chain finds (AWS_REGION, the profile), or undefined. */
async function sdkRegion(profile: string | undefined): Promise<string | undefined> {
  const { STSClient } = await import("@aws-sdk/client-sts");
  const probe = new STSClient(profile ? { profile } : {});
  try {
    const region = await probe.config.region();
    return region || undefined;
  } catch {
    return undefined; // "Region is missing": fall back to the settings
  } finally {
    probe.destroy();
  }
}
