/**
 * Content collections: the lessons (MDX under lessons/), the course's parts and the glossary
 * (YAML under content/). Astro validates each against its schema at build time, so a lesson with
 * bad front matter fails `npm run build` with the file and the field that is wrong.
 */
import { defineCollection } from 'astro:content';
import { file, glob } from 'astro/loaders';
import { glossarySchema, lessonFrontmatter, partSchema } from './course/lesson-schema.ts';

const lessons = defineCollection({
  loader: glob({
    base: './lessons',
    pattern: '*/*/index.mdx',
    // The id is the lesson's folder, e.g. "02-raw-netlink/01-first-socket".
    generateId: ({ entry }) => entry.replace(/\/index\.mdx$/, ''),
  }),
  schema: lessonFrontmatter,
});

const parts = defineCollection({ loader: file('content/parts.yaml'), schema: partSchema });

const glossary = defineCollection({ loader: file('content/glossary.yaml'), schema: glossarySchema });

export const collections = { lessons, parts, glossary };
