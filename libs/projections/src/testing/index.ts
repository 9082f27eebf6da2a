export {
  ProjectionSpecification,
  recordedEvents,
  givenEventId,
  type GivenEvent,
} from './projection-specification';
