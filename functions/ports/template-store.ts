import type { AssessmentTarget, AssessmentTemplate } from '../core/assessment';

/** The read side of templates (the control plane writes them). */
export interface TemplateReader {
  getTemplate(templateId: string): Promise<AssessmentTemplate | undefined>;
}

/** The read side of targets (the control plane writes them). */
export interface TargetReader {
  getTarget(targetId: string): Promise<AssessmentTarget | undefined>;
}

/** The read side of targets and templates, as the run lifecycle uses it. */
export interface TemplateStore extends TemplateReader, TargetReader {}

/** The lifecycle's TemplateStore over the two repositories that own the tables. */
export function templateStore(templates: TemplateReader, targets: TargetReader): TemplateStore {
  return {
    getTemplate: (templateId) => templates.getTemplate(templateId),
    getTarget: (targetId) => targets.getTarget(targetId),
  };
}
