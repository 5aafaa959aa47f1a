import { Schema, model, type InferSchemaType } from 'mongoose';

/** A person as one channel account knows them. */
const contactSchema = new Schema(
  {
    workspace: { type: String, required: true },
    channel: { type: String, required: true },
    account: { type: String, required: true },
    /** The platform's user id. */
    user: { type: String, required: true },
    name: { type: String },
    locale: { type: String },
  },
  { timestamps: true, versionKey: false },
);
contactSchema.index({ workspace: 1, channel: 1, account: 1, user: 1 }, { unique: true });

export type ContactDoc = InferSchemaType<typeof contactSchema>;
export const Contact = model('Contact', contactSchema, 'contacts');
