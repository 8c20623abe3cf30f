/**
 * Is it an AWS region? The AWS SDK's own partition table knows every region it
 * was released with (names and descriptions); a newer region it does not know
 * yet still has a region's shape (`ap-southeast-7`), and is let through. A
 * word like "myapp" is neither: refused before it reaches a file or an endpoint.
 */
import { partition } from "@aws-sdk/core/client";
import { SettingsError } from "../errors.js";

const REGION_SHAPE = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export type RegionCheck = { known: true; description: string } | { known: false };

/** `where` says where the value came from (`--region`, `AWS region`). Throws a SettingsError for what cannot be a region. */
export function checkRegion(region: string, where: string): RegionCheck {
  const description = (partition(region) as { description?: string }).description;
  // The table also holds pseudo-regions ("aws-global") that host no Lambda function.
  if (description !== undefined && !region.endsWith("-global")) return { known: true, description };
  if (REGION_SHAPE.test(region)) return { known: false };
  throw new SettingsError(
    `${where}: "${region}" is not an AWS region. Regions look like us-west-2, eu-central-1 or ap-southeast-2 ` +
      `(the AWS SDK lists the ones it knows; \`aws account list-regions\` lists your account's).`,
  );
}
