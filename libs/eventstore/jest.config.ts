export default {
  displayName: 'eventstore',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/eventstore',
};
