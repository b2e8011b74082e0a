/**
 * What a lesson, a part and a glossary entry must say, as zod schemas. Astro validates every
 * lesson's front matter and the content/ data files with them at build time (src/content.config.ts);
 * the lesson test runner (tests/lessons) validates the same files with the same schemas in Node.
 */
import { z } from 'astro/zod';

/** A file name inside a lesson's code/ or solution/ folder. */
const codeFile = z.string().regex(/^[a-z0-9_-]+\.ts$/, 'must be a .ts file name such as "main.ts" (no folders)');

/** A kernel module's name. */
const moduleName = z.string().regex(/^[a-z0-9_]+$/, 'a module name is lower-case letters, digits and _');

/** The front matter of lessons/NN-part/NN-lesson/index.mdx. Part and order come from the folder names. */
export const lessonFrontmatter = z
  .object({
    /** The lesson's title, as the navigation shows it. */
    title: z.string().min(3),
    /** One or two sentences for the course page and search results. */
    summary: z.string().min(20),
    /** What the learner can do after the lesson. */
    objectives: z.array(z.string().min(5)).min(1, 'list at least one objective'),
    /** The file the playground runs. */
    entry: codeFile.default('main.ts'),
    /** Kernel modules the lesson's code loads (insmod), by module name. */
    modules: z.array(moduleName).default([]),
    /** Starting files kept as the previous lesson finished them (its solution), e.g. [module.ts]. */
    fromPrevious: z.array(codeFile).default([]),
    /**
     * Starting files that are one of the simulator's example kernel modules
     * (sandboxes/sim/modules/<name>.ts), by file name: { module.ts: doc_exmpl }.
     */
    fromLibrary: z.record(codeFile, moduleName).default({}),
    /**
     * Why the solution runs on the simulated kernel only: it changes a module in a way that would
     * lock up or crash a real kernel (so the module's C twin does not have the change). The VM
     * comparison (tests/vm/course.test.ts) runs the starting code instead; the prose says why.
     */
    simOnly: z.string().min(20).optional(),
    /**
     * The simulated kernel's command line for this lesson's runs (/proc/cmdline, early_param and
     * __setup handlers, `mod.param=value`); on the VM it is appended to the VM's.
     */
    cmdline: z.string().optional(),
    /** Files of the lesson whose default export is a module built into the simulated kernel (booted with it). */
    builtin: z.array(codeFile).default([]),
    /** Shown on the page but left out of navigation and the lesson tests while being written. */
    draft: z.boolean().default(false),
  })
  .strict();

export type LessonFrontmatter = z.infer<typeof lessonFrontmatter>;

/** One of the course's five parts (content/parts.yaml). */
export const partSchema = z
  .object({
    /** Its folder under lessons/ without the number, e.g. "raw-netlink". */
    id: z.string().regex(/^[a-z0-9-]+$/),
    number: z.number().int().min(1).max(9),
    title: z.string().min(3),
    /** What the part is about, in a sentence or two. */
    summary: z.string().min(20),
    /** The topics it covers, lessons written or not. */
    covers: z.array(z.string()).min(1),
  })
  .strict();

export type Part = z.infer<typeof partSchema>;

/** One glossary entry (content/glossary.yaml). */
export const glossarySchema = z
  .object({
    /** Anchor on the glossary page, e.g. "port-id". */
    id: z.string().regex(/^[a-z0-9-]+$/),
    term: z.string().min(1),
    /** The definition, in plain sentences (inline `code` allowed). */
    definition: z.string().min(10),
    /** Ids of related entries. */
    related: z.array(z.string()).default([]),
  })
  .strict();
