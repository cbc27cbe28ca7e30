import type { AssessmentTarget, AssessmentTemplate } from '../core/assessment';

/** The read side of targets and templates (the control plane writes them). */
export interface TemplateStore {
  getTemplate(templateId: string): Promise<AssessmentTemplate | undefined>;
  getTarget(targetId: string): Promise<AssessmentTarget | undefined>;
}
