import { z } from 'zod';
import { channelAccountSchema } from '../../core/config/schema.js';
import { parseDuration } from '../../core/privacy/duration.js';

/** An origin exactly as browsers send it in the `Origin` header: scheme, host and port, no path. */
const originSchema = z
  .string()
  .regex(/^https?:\/\/[a-z0-9.-]+(:[0-9]{1,5})?$/i, 'expected an origin like https://shop.example or http://127.0.0.1:3000 (no path, no trailing slash)')
  .transform((o) => o.toLowerCase());

const fieldSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'expected a field name of letters, digits and "_"'),
  label: z.string().min(1).max(200),
  type: z.enum(['text', 'email', 'phone']).default('text'),
  required: z.boolean().default(false),
  /** For `phone`: the country of numbers typed without `+` (ISO 3166-1 alpha-2), so they are stored in E.164 too. */
  defaultCountry: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'expected a two-letter country code like CZ')
    .transform((c) => c.toUpperCase())
    .optional(),
});

/** Texts a visitor sees in the widget's own frame (not the bot's replies). */
const textsSchema = z.strictObject({
  placeholder: z.string().min(1).max(100).default('Write a message…'),
  send: z.string().min(1).max(40).default('Send'),
  noticeContinue: z.string().min(1).max(40).default('Continue'),
  privacyLink: z.string().min(1).max(80).default('Privacy policy'),
  prechatTitle: z.string().min(1).max(200).default('Before we start, tell us who you are.'),
  offlineTitle: z.string().min(1).max(300).default('Nobody is online right now. Leave your e-mail and we will answer.'),
  /** While the visitor waits for an agent: `{ordinal}` is "1st", "2nd", … (English), `{position}` the plain number. */
  queuePosition: z.string().min(1).max(200).default('You are {ordinal} in line. An agent will be with you shortly.'),
  /** Added when the hub has a rough wait: the team's median time to a first reply lately. */
  queueWait: z.string().min(1).max(200).default('Usually about {minutes} min.'),
  submit: z.string().min(1).max(40).default('Send'),
  required: z.string().min(1).max(100).default('This field is required.'),
  invalidEmail: z.string().min(1).max(100).default('Please enter a valid e-mail address.'),
  invalidPhone: z.string().min(1).max(100).default('Please enter a valid phone number.'),
  withdrawMarketing: z.string().min(1).max(80).default('Stop news and offers'),
  withdrawn: z.string().min(1).max(200).default('Done: you will get no news or offers from us.'),
  soundOn: z.string().min(1).max(40).default('Sound on'),
  soundOff: z.string().min(1).max(40).default('Sound off'),
  reconnecting: z.string().min(1).max(80).default('Reconnecting…'),
  emailTranscript: z.string().min(1).max(80).default('Email me this conversation'),
  transcriptAddress: z.string().min(1).max(80).default('Your e-mail address'),
  /** `{email}`: the address typed, shown back before anything is sent. */
  transcriptConfirm: z.string().min(1).max(200).default('Send the conversation to {email}?'),
  transcriptChange: z.string().min(1).max(40).default('Change'),
  transcriptSent: z.string().min(1).max(200).default('On its way to {email}.'),
});

/** A cap on new visitors (handshakes without a valid visitor token) in a fixed window of `windowSeconds`. */
const newVisitorsSchema = (max: number, windowSeconds: number) =>
  z
    .strictObject({
      max: z.number().int().min(1).max(1_000_000).default(max),
      windowSeconds: z
        .number()
        .int()
        .min(1)
        .max(24 * 3600)
        .default(windowSeconds),
    })
    .prefault({});

/**
 * Abuse limits at the handshake, held in Redis so they bind across hub processes (limits.ts).
 * `perAddress` counts per client address (behind `server.trustProxy` proxies; IPv6 by /64),
 * `perAccount` all of this widget's visitors together. Over a cap the handshake gets 429.
 */
const limitsSchema = z
  .strictObject({
    perAddress: z
      .strictObject({
        // A household or office behind one NAT: a few people, a few tabs each (every tab holds a socket).
        connections: z.number().int().min(1).max(100_000).default(20),
        // A real browser is a new visitor once per token lifetime (or a cleared storage, a private window).
        newVisitors: newVisitorsSchema(30, 600),
      })
      .prefault({}),
    perAccount: z
      .strictObject({
        // What one site's widget may hold open at once, all hub processes together (tens of KB each).
        connections: z.number().int().min(1).max(10_000_000).default(5000),
        // 10 a second: a busy shop's campaign peak; beyond it, many addresses are likely one script.
        newVisitors: newVisitorsSchema(600, 60),
      })
      .prefault({}),
  })
  .prefault({});

/**
 * One website chat widget: the site it may be embedded on, how it looks, and its forms.
 * Installed as `<script src="https://hub.example/widget.js" data-account="{account}" async></script>`.
 */
export const widgetAccountSchema = channelAccountSchema
  .extend({
    /** Signs visitor ids (HMAC-SHA256): a visitor can only ever present an id this hub issued. */
    secret: z.string().min(16, 'expected a secret of at least 16 characters'),
    /**
     * How long a visitor id lives in the browser, counted from its first issue (not renewed by
     * returning): then the visitor gets a new id, as on a first visit, and the old conversation is
     * out of that browser's reach. Smartsupp's visitor cookie lives 6 months.
     */
    visitorTokenLifetime: z
      .string()
      .refine((d) => (parseDuration(d)?.amount ?? 0) > 0, 'expected a duration such as 6mo, 90d or 1y (units h, d, w, mo, y; not 0)')
      .default('6mo'),
    /** Sites allowed to open the widget's WebSocket (checked at the handshake against the Origin header). */
    allowedOrigins: z.array(originSchema).min(1, 'expected at least one allowed origin'),
    title: z.string().min(1).max(80).default('Chat with us'),
    /** Shown at the top of the panel; not stored as a message. */
    greeting: z.string().min(1).max(500).optional(),
    color: z
      .string()
      .regex(/^#[0-9a-f]{3}([0-9a-f]{3})?$/i, 'expected a hex colour like #0b6bcb')
      .default('#0b6bcb'),
    position: z.enum(['right', 'left']).default('right'),
    /** Asked before the first message when enabled. */
    prechat: z
      .strictObject({
        enabled: z.boolean().default(false),
        fields: z
          .array(fieldSchema)
          .min(1)
          .max(10)
          .default([{ name: 'name', label: 'Name', type: 'text', required: false }]),
      })
      .prefault({}),
    /** Shown after a handoff while nobody can answer; stored as a lead. */
    offline: z
      .strictObject({
        fields: z
          .array(fieldSchema)
          .min(1)
          .max(10)
          .default([
            { name: 'name', label: 'Name', type: 'text', required: false },
            { name: 'email', label: 'E-mail', type: 'email', required: true },
            { name: 'message', label: 'Message', type: 'text', required: false },
          ]),
      })
      .prefault({}),
    /** The unticked marketing checkbox under the notice and in the widget's own forms; none without it. */
    marketing: z.strictObject({ text: z.string().min(1).max(300), version: z.string().min(1).max(40) }).optional(),
    /** Largest WebSocket frame a visitor may send; a bigger one closes the socket (1009). */
    maxFrameBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(16 * 1024),
    /** Messages a visitor may send: a burst, refilled at `perSecond`; beyond it messages are refused until it refills. */
    inboundRate: z.strictObject({ burst: z.number().int().min(1).max(1000).default(10), perSecond: z.number().positive().max(100).default(1) }).prefault({}),
    texts: textsSchema.prefault({}),
    limits: limitsSchema,
  })
  .strict();
export type WidgetAccountConfig = z.infer<typeof widgetAccountSchema>;
