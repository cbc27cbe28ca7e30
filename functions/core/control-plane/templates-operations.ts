/** The templates function's operations (dispatch.ts: which group serves which). Its handler imports this table only. */
import type { GroupOperations } from './dispatch';
import {
  createAssessmentTemplate,
  deleteAssessmentTemplate,
  describeAssessmentTemplates,
  listAssessmentTemplates,
  listEventSubscriptions,
  listTagsForResource,
  setTagsForResource,
  subscribeToEvent,
  unsubscribeFromEvent,
  updateAssessmentTemplate,
} from './templates';

export const TEMPLATES_OPERATIONS = {
  'create-assessment-template': createAssessmentTemplate,
  'update-assessment-template': updateAssessmentTemplate,
  'delete-assessment-template': deleteAssessmentTemplate,
  'list-assessment-templates': listAssessmentTemplates,
  'describe-assessment-templates': describeAssessmentTemplates,
  'list-tags-for-resource': listTagsForResource,
  'set-tags-for-resource': setTagsForResource,
  'subscribe-to-event': subscribeToEvent,
  'unsubscribe-from-event': unsubscribeFromEvent,
  'list-event-subscriptions': listEventSubscriptions,
} satisfies GroupOperations<'templates'>;
