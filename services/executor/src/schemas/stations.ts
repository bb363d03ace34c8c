import { Type } from '@sinclair/typebox';
import { type InputLimits, OutlierDetailFields, stationIdSchema } from './common.js';

export function stationParams(limits: Pick<InputLimits, 'MAX_ID_LENGTH'>) {
  return Type.Object({ id: stationIdSchema(limits) });
}

export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 10000, default: 1000 }),
  offset: Type.Integer({ minimum: 0, default: 0 }),
});

export const StationList = Type.Object({
  total: Type.Integer(),
  stations: Type.Array(
    Type.Object({
      id_estacio: Type.String(),
      variables: Type.Array(Type.String()),
      blocks: Type.Integer(),
      updatedAt: Type.String(),
    }),
  ),
});

const Options = Type.Object(
  {
    detector: Type.Optional(Type.String()),
    window: Type.Integer(),
    threshold: Type.Optional(Type.Number()),
    sensitivity: Type.Optional(Type.Number()),
    mode: Type.Optional(Type.String()),
    seed: Type.Optional(Type.Number()),
  },
  { additionalProperties: true },
);

export const StationDetail = Type.Object({
  id_estacio: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  blocks: Type.Integer({ description: 'Blocks applied by /detection' }),
  outliers: Type.Integer({ description: 'Outliers flagged so far, all variables' }),
  unknown: Type.Integer({ description: 'Values of variables that were not initialised (ignored)' }),
  outboxPending: Type.Integer({ description: 'Deliveries to the data server not yet acknowledged' }),
  variables: Type.Record(
    Type.String(),
    Type.Object({
      detector: Type.String(),
      options: Options,
      samples: Type.Integer({ description: 'Samples pushed to the detector' }),
      warmingUp: Type.Boolean(),
      pending: Type.Integer({ description: 'Samples pushed but not scored yet' }),
      lastTimestamp: Type.Union([Type.String(), Type.Null()]),
      outliers: Type.Integer(),
      missing: Type.Integer(),
      stale: Type.Integer(),
    }),
  ),
});

export const OutliersQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 10000, default: 100 }),
  cursor: Type.Integer({ minimum: 0, default: 0, description: 'nextCursor of the previous page' }),
});

export const OutliersPage = Type.Object({
  outliers: Type.Array(
    Type.Object({
      n: Type.Integer({ description: 'Entry number, increasing per station' }),
      block: Type.Integer({ description: 'The /detection block that revealed it' }),
      variable: Type.String(),
      date: Type.String(),
      ...OutlierDetailFields,
    }),
  ),
  nextCursor: Type.Union([Type.Integer(), Type.Null()]),
});
